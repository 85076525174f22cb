"""The memory backend: every storage port as plain Python dicts in this process.

For tests and for trying the registry out (`TARBOX_BACKEND=memory`): nothing persists, and
nothing is shared with another process. The stores of one registry share one `MemoryDatabase`
and its one lock, so each write is atomic the way a SQLite transaction is: a conditional create
and a compare-and-swap check and write under the lock, and no code path checks and then acts.

Records are copied on the way in and out (the other adapters serialise them), so a caller can
never change stored state through an object it passed in or got back.
"""
