"""The files the app answers with (`render.sendfile`, stored documents): sent by granian from
disk when big, and kept in memory when small.

Every file the app sends this way is immutable at its path: tarballs are stored under their
sha1, documents under a stamp of the package's rev and base URL (documents.py). So a small
file read once can be answered from memory until it falls out of the cache, and never goes
stale. On this machine a syscall costs microseconds: opening, reading and closing a 1 kB
document took a small read from 44,700 to 25,300 req/s (docs/performance.md).
"""

from __future__ import annotations

import os
from collections import OrderedDict

# At or above this size granian sends the file itself (it reads it on a thread of its own, a
# hand-off that costs more than a small read).
FILE_RESPONSE_BYTES = 256 * 1024


class SmallFiles:
    """Least-recently-used small files, within a byte budget. Used from one thread only (the
    worker's event loop, where every answer is sent)."""

    def __init__(self, budget_bytes: int) -> None:
        self._budget = budget_bytes
        self._used = 0
        self._files: OrderedDict[str, bytes] = OrderedDict()

    def get(self, path: str) -> bytes | None:
        data = self._files.get(path)
        if data is not None:
            self._files.move_to_end(path)
        return data

    def keep(self, path: str, data: bytes) -> None:
        if len(data) > self._budget or path in self._files:
            return
        self._files[path] = data
        self._used += len(data)
        while self._used > self._budget:
            _, dropped = self._files.popitem(last=False)
            self._used -= len(dropped)

    def read(self, path: str) -> bytes | None:
        """The file's bytes when it is small (and kept from now on), else None: send it."""
        data = self.get(path)
        if data is not None:
            return data
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size >= FILE_RESPONSE_BYTES:
                return None
            data = handle.read()
        self.keep(path, data)
        return data
