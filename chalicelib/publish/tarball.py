"""Reading a published tarball with the standard library's tarfile (the well-kept reader for the
job: npm tarballs are plain gzip'd ustar).

npm packs everything under one top-level folder (`package/`, but old tarballs use others; pacote
strips whatever the first path component is), so the manifest is `<top>/package.json`.
"""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidTarballError, PayloadTooLargeError, TooManyFilesError

MAX_MANIFEST_BYTES = 1024 * 1024
README_NAMES = ("readme.md", "readme", "readme.markdown", "readme.txt")


@dataclass(frozen=True)
class TarballFacts:
    package_json: dict[str, Any]
    file_count: int
    unpacked_size: int
    has_binding_gyp: bool


def inspect_tarball(data: bytes, *, max_files: int, max_unpacked: int) -> TarballFacts:
    """Read the manifest and count files; InvalidTarballError unless it is a gzip tar with one."""
    if data[:2] != b"\x1f\x8b":
        raise InvalidTarballError("The tarball is not gzip data")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            return _read_members(archive, max_files, max_unpacked)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise InvalidTarballError(f"The tarball cannot be read: {exc}") from None


def _read_members(archive: tarfile.TarFile, max_files: int, max_unpacked: int) -> TarballFacts:
    manifest: dict[str, Any] | None = None
    files = size = 0
    binding_gyp = False
    for member in archive:
        if not member.isfile():
            continue
        files += 1
        if files > max_files:
            raise TooManyFilesError(f"Too many files: this registry accepts at most {max_files}")
        size += member.size
        if size > max_unpacked:
            # A gzip bomb is cheap to send and expensive to inflate: stop at the headers.
            raise PayloadTooLargeError(f"The tarball unpacks to more than {max_unpacked} bytes")
        inner = member.name.split("/", 1)[1] if "/" in member.name else ""
        binding_gyp = binding_gyp or inner == "binding.gyp"
        if inner == "package.json":
            if manifest is not None:
                # Extraction keeps the last copy; checking the first would check the wrong one.
                raise InvalidTarballError("The tarball has more than one package.json")
            manifest = _load_manifest(archive, member)
    if manifest is None:
        raise InvalidTarballError("The tarball has no package.json")
    return TarballFacts(manifest, files, size, binding_gyp)


def _load_manifest(archive: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    if member.size > MAX_MANIFEST_BYTES:
        raise InvalidTarballError("The tarball's package.json is too large")
    handle = archive.extractfile(member)
    if handle is None:
        raise InvalidTarballError("The tarball's package.json cannot be read")
    try:
        manifest = json.loads(handle.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidTarballError("The tarball's package.json is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise InvalidTarballError("The tarball's package.json is not an object")
    return manifest
