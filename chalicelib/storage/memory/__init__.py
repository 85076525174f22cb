"""The memory backend: every storage port as plain Python dicts in this process.

For tests and for trying the registry out (`TARBOX_BACKEND=memory`): nothing persists, and
nothing is shared with another process. The stores of one registry share one `MemoryDatabase`
and its one lock, so each write is atomic the way a SQLite transaction is: a conditional create
and a compare-and-swap check and write under the lock, and no code path checks and then acts.

Records are copied on the way in and out (the other adapters serialise them), so a caller can
never change stored state through an object it passed in or got back.
"""

from chalicelib.storage.memory.accounts import MemoryAccountStore
from chalicelib.storage.memory.advisories import MemoryAdvisoryStore
from chalicelib.storage.memory.billing import MemoryBillingStore
from chalicelib.storage.memory.blobs import MemoryBlobStore
from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.memory.downloads import MemoryDownloadStore
from chalicelib.storage.memory.ephemeral import MemoryEphemeralStore
from chalicelib.storage.memory.hooks import MemoryHookStore
from chalicelib.storage.memory.orgs import MemoryOrgStore
from chalicelib.storage.memory.packages import MemoryPackageStore
from chalicelib.storage.memory.search import MemorySearchStore
from chalicelib.storage.memory.signing_keys import MemorySigningKeyStore
from chalicelib.storage.memory.stage import MemoryStageStore
from chalicelib.storage.memory.trust import MemoryTrustStore

__all__ = [
    "MemoryAccountStore",
    "MemoryAdvisoryStore",
    "MemoryBillingStore",
    "MemoryBlobStore",
    "MemoryDatabase",
    "MemoryDownloadStore",
    "MemoryEphemeralStore",
    "MemoryHookStore",
    "MemoryOrgStore",
    "MemoryPackageStore",
    "MemorySearchStore",
    "MemorySigningKeyStore",
    "MemoryStageStore",
    "MemoryTrustStore",
]
