"""The memory BlobStore: bytes by key. There are no folders to leave empty, no URL a client
could fetch and no file a server could stream: the registry sends the bytes itself."""

from __future__ import annotations

import time
from collections.abc import Iterator

from chalicelib.storage.memory.database import MemoryDatabase
from chalicelib.storage.records import StoredBlob


class MemoryBlobStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def put(self, key: str, data: bytes, content_type: str) -> None:
        stored = bytes(data)  # a bytearray or memoryview the caller may still change
        with self._db.lock:
            self._db.blobs[key] = (stored, time.time())

    def get(self, key: str) -> bytes | None:
        with self._db.lock:
            found = self._db.blobs.get(key)
        return None if found is None else found[0]

    def delete(self, key: str) -> None:
        with self._db.lock:
            self._db.blobs.pop(key, None)

    def list_blobs(self, prefix: str) -> Iterator[StoredBlob]:
        with self._db.lock:
            found = [
                StoredBlob(key, modified)
                for key, (_, modified) in self._db.blobs.items()
                if key.startswith(prefix)
            ]
        return iter(found)

    def empty_folders(self) -> list[str]:
        return []

    def delete_folder(self, key: str) -> None:
        return None

    def download_url(self, key: str, expires_in: int) -> str | None:
        return None

    def local_path(self, key: str) -> str | None:
        return None
