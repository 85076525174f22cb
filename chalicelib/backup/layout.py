"""The directory `tarbox export` writes and `tarbox import` reads.

    tarbox-export.json    the manifest, written last: format, id, source, counts, and the sha256
                          of every file below (a directory without it is an unfinished export)
    users.jsonl           {"user", "tokens"} per account
    orgs.jsonl            {"org", "members", "teams": {team: {description, members, packages}}}
    plans.jsonl           a scope's plan, per line
    subscriptions.jsonl   a payment provider's subscription, per line
    downloads.jsonl       {"package", "version", "day", "count"}: DownloadStore.all_counts
    packages.jsonl        {"package", "versions"}, in the order the packages last changed
    hooks.jsonl           a hook, per line (its secret too)
    blobs/<tarball key>   the tarballs, under the keys their versions name

Records are their dataclasses as JSON (`dataclasses.asdict`), so a field added to a record later
reads back with its default, and a field this tarbox does not know is refused, not dropped. The
directory holds password hashes, token hashes, two-factor and hook secrets: it is made readable
by its owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import IO, Any, TypeVar

from chalicelib.errors import ConflictError, InvalidPayloadError
from chalicelib.storage.records import JSON, Maintainer, PackageRecord, TokenRecord

FORMAT = "tarbox-export"
FORMAT_VERSION = 1
MANIFEST = "tarbox-export.json"
KINDS = ("users", "orgs", "plans", "subscriptions", "downloads", "packages", "hooks")
BLOBS = "blobs"
_HASH_CHUNK = 1 << 20

T = TypeVar("T")


class ExportFormatError(InvalidPayloadError):
    """The directory is not a finished export this tarbox can read, or was changed since."""


def encode(record: Any) -> JSON:
    return asdict(record)


def decode(cls: type[T], data: Any) -> T:
    """The record back from its JSON; an unknown field is an error (a newer tarbox's export)."""
    if not isinstance(data, dict):
        raise ExportFormatError(f"a {cls.__name__} in the export is not an object")
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise ExportFormatError(
            f"a {cls.__name__} in the export has fields this tarbox does not know: "
            f"{', '.join(unknown)} (import it with the tarbox that exported it, or a newer one)"
        )
    values = dict(data)
    if cls is PackageRecord:
        values["maintainers"] = tuple(Maintainer(**m) for m in values.get("maintainers", ()))
    if cls is TokenRecord:
        values["cidr_whitelist"] = tuple(values.get("cidr_whitelist", ()))
    try:
        return cls(**values)
    except TypeError as exc:
        raise ExportFormatError(f"a {cls.__name__} in the export is incomplete: {exc}") from exc


def blob_path(root: Path, key: str) -> Path:
    """Where a blob lives in the directory. Keys come from the export's own records, so one that
    would leave `blobs/` is refused rather than followed."""
    parts = key.split("/")
    if any(part in ("", ".", "..") or "\\" in part for part in parts):
        raise ExportFormatError(f"the export names a blob outside its directory: {key!r}")
    return root.joinpath(BLOBS, *parts)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private(path: Path) -> IO[bytes]:
    """A new file only its owner may read: a copy of the directory keeps the secrets private."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


class ExportWriter:
    """Writes an export into a new (or empty) directory; `finish` makes it one."""

    def __init__(self, root: Path) -> None:
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise ConflictError(f"{root} is not an empty directory: export into a new one")
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)
        self.root = root
        self._files = {kind: _private(root / f"{kind}.jsonl") for kind in KINDS}
        self._hashes = {kind: hashlib.sha256() for kind in KINDS}
        self.counts = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, line: JSON) -> None:
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self._files[kind].write(data)
        self._hashes[kind].update(data)
        self.counts[kind] += 1

    def put_blob(self, key: str, data: bytes) -> None:
        path = blob_path(self.root, key)
        for directory in reversed(path.relative_to(self.root).parents[:-1]):
            (self.root / directory).mkdir(mode=0o700, exist_ok=True)
        with _private(path) as file:
            file.write(data)

    def finish(self, manifest: JSON) -> JSON:
        for file in self._files.values():
            file.close()
        files = {
            f"{kind}.jsonl": {"sha256": self._hashes[kind].hexdigest(), "lines": self.counts[kind]}
            for kind in KINDS
        }
        document = {"format": FORMAT, "version": FORMAT_VERSION, **manifest, "files": files}
        partial = self.root / f"{MANIFEST}.partial"
        with _private(partial) as file:
            file.write((json.dumps(document, indent=2) + "\n").encode())
        os.replace(partial, self.root / MANIFEST)  # the export exists once this name does
        return document


class ExportReader:
    """Reads a finished export, after checking every file against the manifest."""

    def __init__(self, root: Path) -> None:
        path = root / MANIFEST
        if not path.is_file():
            raise ExportFormatError(
                f"{root} holds no finished export (no {MANIFEST}): run tarbox export again"
            )
        try:
            manifest = json.loads(path.read_text())
        except ValueError as exc:
            raise ExportFormatError(f"{path} is not JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ExportFormatError(f"{path} is not a tarbox export's manifest")
        if manifest.get("version") != FORMAT_VERSION:
            raise ExportFormatError(
                f"{path} is format version {manifest.get('version')!r}; this tarbox reads "
                f"version {FORMAT_VERSION}"
            )
        self.root = root
        self.manifest: JSON = manifest
        self._check_files()

    @property
    def id(self) -> str:
        return str(self.manifest.get("id") or "")

    def _check_files(self) -> None:
        files = self.manifest.get("files") or {}
        for kind in KINDS:
            name = f"{kind}.jsonl"
            expected = (files.get(name) or {}).get("sha256")
            path = self.root / name
            if not path.is_file() or _sha256(path) != expected:
                raise ExportFormatError(
                    f"{path} is missing or was changed after the export: it does not match "
                    f"{MANIFEST}"
                )

    def lines(self, kind: str) -> Iterator[JSON]:
        with (self.root / f"{kind}.jsonl").open("rb") as file:
            for number, raw in enumerate(file, 1):
                try:
                    line = json.loads(raw)
                except ValueError as exc:
                    raise ExportFormatError(f"{kind}.jsonl line {number}: {exc}") from exc
                if not isinstance(line, dict):
                    raise ExportFormatError(f"{kind}.jsonl line {number} is not an object")
                yield line

    def blob(self, key: str) -> bytes | None:
        path = blob_path(self.root, key)
        return path.read_bytes() if path.is_file() else None
