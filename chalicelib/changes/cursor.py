"""The feed's cursor: opaque to clients, `<seq>-<epoch>`, or `0` for the very start.

npm reset its sequence in 2021 and told followers not to read meaning into it (GitHub changelog
2021-09-09), so clients get a string they can only hand back. The epoch is the log's own: a
cursor from another log (a registry restored or replaced) is refused instead of silently
skipping or repeating changes.
"""

from __future__ import annotations

from chalicelib.errors import InvalidQueryError
from chalicelib.numbers import is_whole_number
from chalicelib.storage.records import LogHead

START = "0"
NOW = "now"


def encode(seq: int, head: LogHead) -> str:
    return START if seq == 0 else f"{seq}-{head.epoch}"


def decode(since: str, head: LogHead) -> int:
    """The seq a follower has seen: `0`, `now` (the head), or a cursor this log gave out."""
    if since == START:
        return 0
    if since == NOW:
        return head.seq
    seq, _, epoch = since.partition("-")
    if not is_whole_number(seq) or not epoch:
        raise InvalidQueryError(
            f"since must be 0, now, or a last_seq this feed returned, not {since!r}"
        )
    if epoch != head.epoch or int(seq) > head.seq:
        raise InvalidQueryError(
            f"the cursor {since!r} is from another change log (this registry was restored or "
            "replaced): follow again from since=0"
        )
    return int(seq)
