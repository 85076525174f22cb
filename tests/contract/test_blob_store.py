"""BlobStore contract: bytes in, the same bytes out, by key; served by URL or from a local file."""

from __future__ import annotations

import gzip
import io
import tarfile
import time
from pathlib import Path

import pytest

from chalicelib.storage.ports.blobs import BlobStore
from tests.contract.support import run_threads

KEYS = [
    "tarballs/foo/foo-1.0.0.tgz",
    "tarballs/@scope/foo/foo-1.0.0.tgz",
    "packuments/@scope/foo.json",
]


def tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b'{"name":"foo","version":"1.0.0"}'
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("key", KEYS)
def test_a_blob_reads_back(blob_store: BlobStore, key: str) -> None:
    blob_store.put(key, b'{"name":"foo"}', "application/json")

    assert blob_store.get(key) == b'{"name":"foo"}'


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 4, gzip.compress(b"\x00\xff" * 1000), b""],
    ids=["all-bytes", "gzip", "empty"],
)
def test_binary_bytes_round_trip_exactly(blob_store: BlobStore, data: bytes) -> None:
    blob_store.put("tarballs/bin/bin-1.0.0.tgz", data, "application/octet-stream")

    assert blob_store.get("tarballs/bin/bin-1.0.0.tgz") == data


def test_putting_a_key_again_replaces_its_bytes(blob_store: BlobStore) -> None:
    blob_store.put("packuments/foo.json", b"old", "application/json")
    blob_store.put("packuments/foo.json", b"new", "application/json")

    assert blob_store.get("packuments/foo.json") == b"new"


def test_a_deleted_blob_reads_as_none_and_others_stay(blob_store: BlobStore) -> None:
    blob_store.put("tarballs/foo/foo-1.0.0.tgz", b"one", "application/octet-stream")
    blob_store.put("tarballs/foo/foo-1.0.1.tgz", b"two", "application/octet-stream")

    blob_store.delete("tarballs/foo/foo-1.0.0.tgz")

    assert blob_store.get("tarballs/foo/foo-1.0.0.tgz") is None
    assert blob_store.get("tarballs/foo/foo-1.0.1.tgz") == b"two"


def test_deleting_a_missing_blob_is_fine(blob_store: BlobStore) -> None:
    blob_store.delete("tarballs/ghost/ghost-1.0.0.tgz")

    assert blob_store.get("tarballs/ghost/ghost-1.0.0.tgz") is None


def test_a_missing_blob_reads_as_none(blob_store: BlobStore) -> None:
    assert blob_store.get("tarballs/ghost/ghost-1.0.0.tgz") is None


def test_a_stored_blob_is_served_by_a_url_on_aws_from_a_file_embedded_and_else_by_us(
    blob_store: BlobStore, backend: str
) -> None:
    key = "tarballs/@scope/foo/foo-1.0.0.tgz"
    data = tarball()
    blob_store.put(key, data, "application/octet-stream")

    url = blob_store.download_url(key, 300)
    path = blob_store.local_path(key)

    if backend == "aws":
        assert path is None
        assert isinstance(url, str)
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
        assert _fetch(url) == data  # moto intercepts the request in process
    elif backend == "memory":  # nothing outside the process to send: the registry sends bytes
        assert (url, path) == (None, None)
        assert blob_store.get(key) == data
    else:
        assert url is None
        assert path is not None
        assert Path(path).read_bytes() == data


def _fetch(url: str) -> bytes:
    import requests

    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.content


def test_blobs_are_listed_by_prefix_with_their_time(blob_store: BlobStore) -> None:
    before = time.time() - 5  # S3 keeps times to the second
    for key in KEYS:
        blob_store.put(key, b"x", "application/octet-stream")

    listed = {blob.key: blob.modified for blob in blob_store.list_blobs("tarballs/")}

    assert listed.keys() == {KEYS[0], KEYS[1]}
    assert all(before <= modified <= time.time() + 5 for modified in listed.values())
    assert {blob.key for blob in blob_store.list_blobs("")} == set(KEYS)
    assert list(blob_store.list_blobs("nothing/")) == []


def test_deleting_the_last_blob_of_a_folder_leaves_no_folder(blob_store: BlobStore) -> None:
    # A refused publish deletes the tarball it stored; one folder per refusal would remain.
    blob_store.put("tarballs/@scope/foo/a.tgz", b"a", "application/octet-stream")
    blob_store.put("tarballs/@scope/bar/b.tgz", b"b", "application/octet-stream")

    blob_store.delete("tarballs/@scope/foo/a.tgz")
    assert blob_store.empty_folders() == []
    assert [blob.key for blob in blob_store.list_blobs("")] == ["tarballs/@scope/bar/b.tgz"]

    blob_store.delete("tarballs/@scope/bar/b.tgz")
    assert blob_store.empty_folders() == []
    blob_store.put("tarballs/@scope/bar/b.tgz", b"again", "application/octet-stream")
    assert blob_store.get("tarballs/@scope/bar/b.tgz") == b"again"


def test_puts_and_deletes_in_one_folder_at_once_lose_nothing(blob_store: BlobStore) -> None:
    """A delete removes the folder it empties while another write may be about to use it."""
    keys = [f"tarballs/busy/{i}/x.tgz" for i in range(4)] + [f"tarballs/{i}.tgz" for i in range(4)]

    def churn(i: int) -> None:
        for _ in range(60):
            blob_store.put(keys[i], b"x", "application/octet-stream")
            blob_store.delete(keys[i])
        blob_store.put(keys[i], b"kept", "application/octet-stream")

    assert run_threads(len(keys), churn) == []
    assert {blob.key for blob in blob_store.list_blobs("")} == set(keys)
