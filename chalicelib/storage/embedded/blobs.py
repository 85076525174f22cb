"""The embedded backend's blobs: plain files under a root directory.

Keys are made by the registry (never taken from a client), but are still confined to the root.
Writes go to a temporary file and are renamed into place, so a reader never sees half a tarball.
A delete removes the folders it leaves empty.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from chalicelib.storage.records import StoredBlob

TEMPORARY_PREFIX = ".tmp-"
_ATTEMPTS = 20


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
        fd, tmp = self._temporary(folder)
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

    def _temporary(self, folder: str) -> tuple[int, str]:
        """A new temporary file in `folder`, made if missing. A delete may remove the folder
        between the two steps (it leaves no empty folders): then it is made again."""
        for _ in range(_ATTEMPTS):
            try:
                os.makedirs(folder, exist_ok=True)
                return tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX)
            except (FileNotFoundError, FileExistsError):
                # A parent went between makedirs' steps, or the folder went between its mkdir
                # and its check that the folder is there (exist_ok then raises): again.
                continue
        os.makedirs(folder, exist_ok=True)
        return tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX)

    def delete(self, key: str) -> None:
        path = self._path(key)
        Path(path).unlink(missing_ok=True)
        self._prune(os.path.dirname(path))

    def _prune(self, folder: str) -> None:
        """Remove `folder` and its parents while they are empty, up to the root: a refused
        publish or an old render would otherwise leave one folder each, forever."""
        while folder.startswith(self._prefix):
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or already gone): the parents are not empty either
                return
            folder = os.path.dirname(folder)

    def list_blobs(self, prefix: str) -> Iterator[StoredBlob]:
        # From the deepest folder the prefix names, not the root: fsck looks up single keys.
        start = os.path.dirname(self._path(prefix + "x")) if prefix else str(self._root)
        for folder, _, files in os.walk(start):
            for file in files:
                path = os.path.join(folder, file)
                key = os.path.relpath(path, self._root).replace(os.sep, "/")
                if key.startswith(prefix):
                    try:
                        yield StoredBlob(key, os.stat(path).st_mtime)
                    except FileNotFoundError:  # deleted while listed
                        continue

    def empty_folders(self) -> list[str]:
        return [
            os.path.relpath(folder, self._root).replace(os.sep, "/") + "/"
            for folder, folders, files in os.walk(self._root)
            if not folders and not files and folder != str(self._root)
        ]

    def delete_folder(self, key: str) -> None:
        self._prune(self._path(key))

    def download_url(self, key: str, expires_in: int) -> str | None:
        return None

    def local_path(self, key: str) -> str | None:
        path = self._path(key)
        return path if os.path.isfile(path) else None
