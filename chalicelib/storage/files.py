"""The embedded backend's blobs: plain files under a root directory.

Keys are made by the registry (never taken from a client), but are still confined to the root.
Writes go to a temporary file and are renamed into place, so a reader never sees half a tarball.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FileBlobStore:
    def __init__(self, root: str) -> None:
        self._root = Path(root).resolve()
        self._root.mkdir(parents=True, exist_ok=True)
        self._prefix = str(self._root) + os.sep

    def _path(self, key: str) -> str:
        # normpath, not resolve(): the same confinement without an lstat per path component on
        # every read (keys never hold symlinks; the registry makes them).
        path = os.path.normpath(os.path.join(self._prefix, key))
        if not path.startswith(self._prefix):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        Path(self._path(key)).unlink(missing_ok=True)

    def download_url(self, key: str, expires_in: int) -> str | None:
        return None

    def local_path(self, key: str) -> str | None:
        path = self._path(key)
        return path if os.path.isfile(path) else None
