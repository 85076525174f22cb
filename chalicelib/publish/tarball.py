"""Reading a published tarball: the manifest, the file count, the unpacked size, with bounded
memory and time whatever the bytes are.

Not the standard library's tarfile: it reads a GNU long-name or pax header record whole into
memory (hundreds of MB for one entry), keeps every member it has seen in a list (2 million
directory entries), inflates the data of entries it skips in full, and stops at the archive's end
marker without checking the rest of the gzip stream (a truncated stream, trailing garbage or a
bad CRC passed, then broke `npm install` and burned the version). So this reads the format
itself (POSIX ustar, GNU and pax headers, as node-tar does), as a stream:

- gzip is inflated a block at a time by zlib, to the end of the stream: its CRC and length are
  checked, and nothing may follow it;
- every entry counts toward the entry limit, whatever its type; a header record (GNU long name,
  pax) may be at most 1 MiB, as node-tar's `maxMetaEntrySize`;
- the inflated bytes are capped in total, and by their ratio to the compressed ones;
- reading stops at a deadline.
The first limit passed stops the work with a 4xx that names it.

The manifest is the file npm would extract as `package.json`: node-tar strips the first path
component, drops leading slashes, refuses `..` and resolves `.` and `//` (so `package//package.json`
and `package/./package.json` are the manifest too); pacote extracts only file entries (no links).
A tarball with two of them is refused: extraction keeps the last, a check of one would be wrong.
"""

from __future__ import annotations

import json
import posixpath
import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidTarballError, PayloadTooLargeError, TooManyFilesError

MAX_MANIFEST_BYTES = 1024 * 1024
MAX_HEADER_RECORD_BYTES = 1024 * 1024  # node-tar's maxMetaEntrySize
# Text compresses 3-10x; a bomb, thousands of times. Small tarballs may always inflate this much.
MAX_INFLATION_RATIO = 200
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
READ_SECONDS = 10.0
BLOCK = 512
CHUNK = 64 * 1024
FILE_TYPES = (b"0", b"\0", b"7")  # what node-tar extracts as a file (pacote skips links)
# GNU long name, long link name and old long name; pax per-entry (and its old flag) and global.
META_TYPES = (b"L", b"K", b"N", b"x", b"X", b"g")


@dataclass(frozen=True)
class TarballFacts:
    package_json: dict[str, Any]
    file_count: int
    unpacked_size: int
    has_binding_gyp: bool


def inspect_tarball(
    data: bytes, *, max_files: int, max_unpacked: int, seconds: float = READ_SECONDS
) -> TarballFacts:
    """Read the manifest and count files; InvalidTarballError unless it is a gzip tar with one."""
    if data[:2] != b"\x1f\x8b":
        raise InvalidTarballError("The tarball is not gzip data")
    # Headers and padding come on top of the files' bytes: up to two blocks per entry, and the
    # end-of-archive record.
    overhead = 2 * BLOCK * (max_files + 1) + 20 * BLOCK
    limit = min(max_unpacked + overhead, max(RATIO_FLOOR_BYTES, len(data) * MAX_INFLATION_RATIO))
    stream = Inflated(data, limit, time.monotonic() + seconds)
    facts = _read_entries(stream, max_files, max_unpacked)
    stream.finish()
    return facts


class Inflated:
    """The tarball's tar bytes, inflated as they are read, within `limit` bytes and a deadline."""

    def __init__(self, data: bytes, limit: int, deadline: float) -> None:
        self._data = memoryview(data)
        self._fed = 0
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip, CRC and length checked
        self._buffer = bytearray()
        self._limit = limit
        self._deadline = deadline
        self.inflated = 0

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes; InvalidTarballError when the stream ends first."""
        while len(self._buffer) < size:
            if not self._inflate():
                raise InvalidTarballError("The tarball is cut short")
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken

    def skip(self, size: int) -> None:
        """Inflate and drop `size` bytes (the data of an entry nobody reads)."""
        while size > 0:
            size -= len(self.read(min(size, CHUNK)))

    def finish(self) -> None:
        """The rest of the stream, after the archive's end: zero padding, then the gzip end."""
        while True:
            if any(self._buffer):
                raise InvalidTarballError("The tarball has data after the end of its archive")
            self._buffer.clear()
            if not self._inflate():
                break
        if self._inflater.unused_data or self._fed < len(self._data):
            raise InvalidTarballError("The tarball has data after its gzip stream")

    def _inflate(self) -> bool:
        """More inflated bytes into the buffer; False at the end of the gzip stream."""
        if time.monotonic() > self._deadline:
            raise PayloadTooLargeError("The tarball takes too long to read")
        if self._inflater.eof:
            return False
        if self._inflater.unconsumed_tail:
            chunk = self._inflater.unconsumed_tail
        elif self._fed < len(self._data):
            chunk = bytes(self._data[self._fed : self._fed + CHUNK])
            self._fed += len(chunk)
        else:
            raise InvalidTarballError("The tarball's gzip stream is cut short")
        try:
            out = self._inflater.decompress(chunk, CHUNK)
        except zlib.error as exc:
            raise InvalidTarballError(f"The tarball's gzip data is corrupt: {exc}") from None
        self.inflated += len(out)
        if self.inflated > self._limit:
            raise PayloadTooLargeError(
                f"The tarball unpacks to more than {self._limit} bytes (at most "
                f"{MAX_INFLATION_RATIO} times its size, and this registry's limit)"
            )
        self._buffer += out
        return True


@dataclass
class _Pending:
    """What header records said about the next entry."""

    path: str | None = None
    size: int | None = None


@dataclass
class _Facts:
    entries: int = 0
    files: int = 0
    size: int = 0
    binding_gyp: bool = False
    manifest: dict[str, Any] | None = None


def _read_entries(stream: Inflated, max_files: int, max_unpacked: int) -> TarballFacts:
    facts, pending = _Facts(), _Pending()
    while True:
        header = stream.read(BLOCK)
        if not any(header):
            # One zero block may be padding; two end the archive (node-tar reads on after one).
            header = stream.read(BLOCK)
            if not any(header):
                break
        facts.entries += 1
        if facts.entries > max_files:
            raise TooManyFilesError(f"Too many files: this registry accepts at most {max_files}")
        kind, name, size = _parse_header(header)
        if kind in META_TYPES:
            _read_record(stream, kind, size, pending)
            continue
        name = pending.path if pending.path is not None else name
        size = pending.size if pending.size is not None else size
        pending = _Pending()
        if kind in FILE_TYPES and not name.endswith("/"):  # node-tar: a trailing / is a folder
            _take_file(stream, facts, name, size, max_unpacked)
        else:  # node-tar reads the size of every entry, a directory's or a link's too
            stream.skip(_padded(size))
    if facts.manifest is None:
        raise InvalidTarballError("The tarball has no package.json")
    return TarballFacts(facts.manifest, facts.files, facts.size, facts.binding_gyp)


def _take_file(stream: Inflated, facts: _Facts, name: str, size: int, max_unpacked: int) -> None:
    facts.files += 1
    facts.size += size
    if facts.size > max_unpacked:
        raise PayloadTooLargeError(f"The tarball unpacks to more than {max_unpacked} bytes")
    path = extracted_path(name)
    facts.binding_gyp = facts.binding_gyp or path == "binding.gyp"
    if path != "package.json":
        stream.skip(_padded(size))
        return
    if facts.manifest is not None:
        raise InvalidTarballError("The tarball has more than one package.json")
    if size > MAX_MANIFEST_BYTES:
        raise InvalidTarballError("The tarball's package.json is too large")
    raw = stream.read(_padded(size))[:size]
    facts.manifest = _load_manifest(raw)


def _read_record(stream: Inflated, kind: bytes, size: int, pending: _Pending) -> None:
    if size > MAX_HEADER_RECORD_BYTES:
        raise PayloadTooLargeError(
            f"The tarball has a header record of {size} bytes (at most {MAX_HEADER_RECORD_BYTES})"
        )
    record = stream.read(_padded(size))[:size]
    if kind in (b"L", b"N"):
        pending.path = record.split(b"\0", 1)[0].decode("utf-8", "replace")
    elif kind in (b"x", b"X"):
        values = _pax(record)
        if "path" in values:
            pending.path = values["path"]
        if "size" in values:
            pending.size = _pax_size(values["size"])
    elif kind == b"g" and {"path", "size"} & _pax(record).keys():
        # It would rename or resize every entry after it: npm pack never writes one.
        raise InvalidTarballError("The tarball has a global pax header with a path or size")
    # K (a long link name) changes no file's name or size.


def _parse_header(header: bytes) -> tuple[bytes, str, int]:
    """(type flag, name, size) of a 512-byte ustar/GNU header, its checksum checked."""
    stored = _octal(header[148:156], "checksum")
    computed = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
    if stored != computed:
        raise InvalidTarballError("The tarball has a header with a bad checksum")
    kind = header[156:157]
    name = header[0:100].split(b"\0", 1)[0]
    if header[257:265] == b"ustar\x0000":  # POSIX (node-tar checks the version too): a prefix
        prefix = header[345:500].split(b"\0", 1)[0]
        name = prefix + b"/" + name if prefix else name
    return kind, name.decode("utf-8", "replace"), _size(header[124:136])


def _size(field: bytes) -> int:
    if field[0] & 0x80:  # GNU base-256, for sizes of 8 GiB and more
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    return _octal(field, "size")


def _octal(field: bytes, what: str) -> int:
    text = field.replace(b"\0", b" ").strip()
    # Octal digits only: int(…, 8) would also take `1_0000` or `0o10`, which node-tar reads as
    # another number, and the two would disagree on where the next header starts.
    if text and not re.fullmatch(rb"[0-7]+", text):
        raise InvalidTarballError(f"The tarball has a header with a malformed {what}")
    return int(text, 8) if text else 0


def _pax(record: bytes) -> dict[str, str]:
    """`<length> <key>=<value>\\n` records."""
    values: dict[str, str] = {}
    at = 0
    while at < len(record):
        space = record.find(b" ", at)
        try:
            length = int(record[at:space])
        except ValueError:
            raise InvalidTarballError("The tarball has a malformed pax header") from None
        if space < 0 or length <= 0 or at + length > len(record):
            raise InvalidTarballError("The tarball has a malformed pax header")
        line = record[space + 1 : at + length - 1]
        # node-tar splits records at newlines: one inside a value would read differently there.
        if record[at + length - 1 : at + length] != b"\n" or b"\n" in line:
            raise InvalidTarballError("The tarball has a malformed pax header")
        key, _, value = line.partition(b"=")
        values[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        at += length
    return values


def _pax_size(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,20}", text):  # ASCII digits (isdigit() takes "²")
        raise InvalidTarballError("The tarball has a malformed pax size")
    return int(text)


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def extracted_path(name: str) -> str | None:
    """Where npm would write an entry, relative to the package folder; None when it would not
    (node-tar's unpack with `strip: 1`: the first component goes, then leading slashes; a path
    with `..` is refused; the path is resolved, so `.` and empty components vanish)."""
    parts = name.split("/")
    if len(parts) < 2:
        return None
    rest = "/".join(parts[1:]).lstrip("/")
    if ".." in rest.split("/"):
        return None
    resolved = posixpath.normpath(rest) if rest else ""
    return None if resolved in ("", ".") else resolved


def _load_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidTarballError("The tarball's package.json is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise InvalidTarballError("The tarball's package.json is not an object")
    return manifest
