"""BlobStore: tarballs and rendered documents, by key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.storage.records import StoredBlob


class BlobStore(Protocol):
    """Tarballs and rendered documents, by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None:
        """Remove the blob (a missing one is no error), and any folder it leaves empty."""

    def list_blobs(self, prefix: str) -> Iterator[StoredBlob]:
        """Every blob whose key starts with `prefix`, in no order; for `tarbox fsck`."""

    def empty_folders(self) -> list[str]:
        """Folders that hold nothing (only stores with folders have them: files)."""

    def delete_folder(self, key: str) -> None:
        """Remove a folder of `empty_folders` if it is still empty."""

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A short-lived URL the client can fetch directly, or None to serve the bytes ourselves."""

    def local_path(self, key: str) -> str | None:
        """A file the local server may stream, or None."""
