"""The published tarball's reader (publish/tarball.py) on hostile archives: every attack of issue
13's "bounded work per publish" is refused with a 4xx naming its limit, within a memory and time
budget, and the manifest is the file npm would extract as `package.json`. Then properties over
arbitrary and mutated archives (hypothesis): only the registry's own errors, always bounded."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import tarfile
import time
import tracemalloc
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import InvalidTarballError, PayloadTooLargeError, TooManyFilesError
from chalicelib.publish.tarball import TarballFacts, extracted_path, inspect_tarball
from tests.builders import a_tarball

MB = 1024 * 1024
LIMITS = {"max_files": 100, "max_unpacked": 20 * MB}
MANIFEST = json.dumps({"name": "a", "version": "1.0.0"}).encode()


def header(name: bytes, size: int, kind: bytes = b"0") -> bytes:
    """A POSIX ustar header, its checksum right."""
    block = bytearray(512)
    block[0 : len(name[:100])] = name[:100]
    block[100:108] = b"0000644\0"
    block[124:136] = f"{size:011o}\0".encode()
    block[136:148] = b"00000000000\0"
    block[156:157] = kind
    block[257:265] = b"ustar\x0000"
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}\0 ".encode()
    return bytes(block)


def entry(name: str, data: bytes = b"", kind: bytes = b"0", size: int | None = None) -> bytes:
    padding = b"\0" * (-len(data) % 512)
    return header(name.encode(), len(data) if size is None else size, kind) + data + padding


def archive(*entries: bytes) -> bytes:
    return gzip.compress(b"".join(entries) + b"\0" * 1024, 6)


def manifest_entry(path: str = "package/package.json", manifest: bytes = MANIFEST) -> bytes:
    return entry(path, manifest)


def bounded(read: Callable[[], object], *, max_bytes: int = 8 * MB, seconds: float = 5.0) -> None:
    """`read` raises or returns within the budget; the peak of Python allocations is measured."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        read()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < max_bytes, f"{peak} bytes at peak"
    assert time.monotonic() - started < seconds


def refused(data: bytes, error: type[Exception], words: str, **limits: int) -> None:
    with pytest.raises(error) as caught:
        bounded(lambda: inspect_tarball(data, **{**LIMITS, **limits}))
    assert words in str(caught.value)


def test_a_plain_npm_tarball_reads_as_before() -> None:
    facts = inspect_tarball(a_tarball("a", "1.0.0", files={"binding.gyp": b"{}"}), **LIMITS)
    assert facts == TarballFacts({"name": "a", "version": "1.0.0"}, 2, len(MANIFEST) + 2, True)


def test_a_huge_gnu_long_name_record_is_refused_by_its_size() -> None:
    # 64 MB of name compresses to ~64 kB; tarfile read it whole into memory and accepted it.
    data = archive(entry("././@LongLink", b"n" * 64 * MB, kind=b"L"), manifest_entry())
    refused(data, PayloadTooLargeError, "header record of 67108864 bytes")


def test_a_huge_pax_record_is_refused_by_its_size() -> None:
    record = b"%d comment=%s\n" % (8 * MB + 20, b"c" * (8 * MB + 6))
    refused(
        archive(entry("pax", record, kind=b"x"), manifest_entry()),
        PayloadTooLargeError,
        "header record",
    )


def test_every_entry_counts_toward_the_limit_whatever_its_type() -> None:
    directories = [entry(f"package/d{i}/", kind=b"5") for i in range(150)]
    refused(archive(manifest_entry(), *directories), TooManyFilesError, "at most 100")
    links = [entry(f"package/l{i}", kind=b"2") for i in range(150)]
    refused(archive(manifest_entry(), *links), TooManyFilesError, "at most 100")


def test_a_bomb_inside_an_entry_of_unknown_type_is_not_inflated_in_full() -> None:
    # 200 MB of zeros in a type-Z entry: ~200 kB sent; tarfile inflated all of it to skip it.
    bomb = entry("package/bomb", b"\0" * 200 * MB, kind=b"Z")
    refused(archive(manifest_entry(), bomb), PayloadTooLargeError, "times its size")


def test_the_inflated_total_is_capped_even_at_a_modest_ratio() -> None:
    random = bytes(range(256)) * (4 * 4096)  # 4 MB that barely compresses
    files = [entry(f"package/f{i}.bin", random) for i in range(6)]
    refused(
        archive(manifest_entry(), *files), PayloadTooLargeError, "more than", max_unpacked=16 * MB
    )


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda data: data[:-8], "cut short"),  # no CRC and length
        (lambda data: data[: len(data) // 2], "cut short"),
        (lambda data: data + b"trailing garbage", "after its gzip stream"),
        (lambda data: data + gzip.compress(b"more"), "after its gzip stream"),
        (lambda data: data[:-8] + bytes(8), "corrupt"),  # a wrong CRC
    ],
    ids=["no-trailer", "half", "garbage", "second-member", "bad-crc"],
)
def test_the_whole_gzip_stream_must_be_sound(damage: Callable[[bytes], bytes], words: str) -> None:
    refused(damage(archive(manifest_entry())), InvalidTarballError, words)


def test_data_after_the_end_of_the_archive_is_refused() -> None:
    raw = manifest_entry() + b"\0" * 1024 + entry("package/hidden.js", b"x")
    refused(gzip.compress(raw), InvalidTarballError, "after the end of its archive")


@pytest.mark.parametrize(
    "path", ["package//package.json", "package/./package.json", "x/package.json"]
)
def test_npm_extracts_these_as_the_manifest(path: str) -> None:
    facts = inspect_tarball(archive(manifest_entry(path)), **LIMITS)
    assert facts.package_json["name"] == "a"
    # ...so one of them next to package/package.json is a second manifest: refused.
    two = archive(manifest_entry(), manifest_entry(path, b'{"scripts": {"install": "x"}}'))
    refused(two, InvalidTarballError, "more than one package.json")


@pytest.mark.parametrize(
    ("name", "extracted"),
    [
        ("package/package.json", "package.json"),
        ("package//package.json", "package.json"),
        ("package/.//./package.json", "package.json"),
        ("package//lib/../package.json", None),  # npm refuses `..`
        ("package.json", None),  # the first component is stripped: nothing is left
        ("package/", None),
        ("package/lib/index.js", "lib/index.js"),
    ],
)
def test_paths_are_where_npm_writes_them(name: str, extracted: str | None) -> None:
    assert extracted_path(name) == extracted


def test_links_named_package_json_are_not_the_manifest() -> None:
    # pacote skips links: the file is the manifest, a link beside it is nothing.
    data = archive(manifest_entry(), entry("package/package.json", kind=b"2"))
    assert inspect_tarball(data, **LIMITS).package_json["name"] == "a"


def test_a_pax_path_names_the_next_entry() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as made:
        info = tarfile.TarInfo("package/" + "d" * 120 + "/../../package/package.json")
        info.size = len(MANIFEST)
        made.addfile(info, io.BytesIO(MANIFEST))
    # npm refuses a path with `..`: no manifest at all.
    refused(buffer.getvalue(), InvalidTarballError, "no package.json")


def test_a_bad_header_checksum_is_refused() -> None:
    raw = bytearray(manifest_entry() + b"\0" * 1024)
    raw[0] ^= 1
    refused(gzip.compress(bytes(raw)), InvalidTarballError, "bad checksum")


def test_reading_stops_at_its_deadline() -> None:
    with pytest.raises(PayloadTooLargeError, match="too long"):
        inspect_tarball(archive(manifest_entry()), **LIMITS, seconds=0)


# --- properties -----------------------------------------------------------------------------

EXPECTED = (InvalidTarballError, PayloadTooLargeError, TooManyFilesError)
VALID = archive(
    manifest_entry(),
    entry("package/index.js", b"module.exports = 1\n"),
    entry("package/d/", kind=b"5"),
)
RAW = gzip.decompress(VALID)


def inspect_bounded(data: bytes) -> None:
    def read() -> None:
        with contextlib.suppress(*EXPECTED):
            inspect_tarball(data, **LIMITS)

    bounded(read, max_bytes=4 * MB, seconds=2.0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_are_refused_or_read_within_bounds(data: bytes) -> None:
    inspect_bounded(b"\x1f\x8b" + data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(RAW) - 1), st.integers(0, 255)), max_size=8))
def test_a_damaged_archive_is_refused_or_read_within_bounds(changes: list[tuple[int, int]]) -> None:
    raw = bytearray(RAW)
    for at, value in changes:
        raw[at] = value
    inspect_bounded(gzip.compress(bytes(raw)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(VALID)), st.binary(max_size=64))
def test_a_damaged_gzip_stream_is_refused_or_read_within_bounds(at: int, noise: bytes) -> None:
    inspect_bounded(VALID[:at] + noise + VALID[at + len(noise) :])


def raw_header(
    name: bytes, size_field: bytes, *, magic: bytes = b"ustar\x0000", prefix: bytes = b""
) -> bytes:
    """A header with its size field (12 bytes) and magic as given, its checksum right."""
    block = bytearray(header(name, 0))
    block[124:136] = size_field.ljust(12, b"\0")[:12]
    block[257:265] = magic
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}\0 ".encode()
    return bytes(block)


@pytest.mark.parametrize("size", [b"1_0000", b"0o10000", b"-1000", b"12 9"])
def test_a_size_node_tar_would_read_otherwise_is_refused(size: bytes) -> None:
    # `1_0000` is 4096 to int(…, 8) and 1 to node-tar: the two would part ways on the next header.
    data = archive(manifest_entry(), raw_header(b"package/x", size) + b"\0" * 4096)
    refused(data, InvalidTarballError, "malformed size")


def pax_record(body: bytes) -> bytes:
    """`<length> <body>`, the length counting itself."""
    length = len(body) + 2
    while len(f"{length} ".encode()) + len(body) != length:
        length += 1
    return f"{length} ".encode() + body


@pytest.mark.parametrize("size", ["\u00b2", "9" * 5000, "-1"])
def test_a_malformed_pax_size_is_400_not_500(size: str) -> None:
    record = pax_record(f"size={size}\n".encode())
    refused(archive(entry("pax", record, kind=b"x"), manifest_entry()), InvalidTarballError, "pax")


def test_a_newline_inside_a_pax_value_is_refused() -> None:
    # node-tar splits at newlines: it would read a `path=` line hidden inside this value.
    record = pax_record(b"comment=x\n20 path=package.json\n")
    refused(archive(entry("pax", record, kind=b"x"), manifest_entry()), InvalidTarballError, "pax")


def test_the_prefix_counts_only_in_posix_headers_and_a_trailing_slash_is_a_folder() -> None:
    # GNU "ustar  " headers keep times where POSIX keeps the prefix; node-tar reads no prefix there.
    gnu = raw_header(
        b"package.json", b"%011o" % len(MANIFEST), magic=b"ustar  \0", prefix=b"package"
    )
    refused(
        archive(gnu + MANIFEST + b"\0" * (512 - len(MANIFEST))),
        InvalidTarballError,
        "no package.json",
    )
    folder = entry("package/package.json/", MANIFEST)
    refused(archive(folder), InvalidTarballError, "no package.json")
