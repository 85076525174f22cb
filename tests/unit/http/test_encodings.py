"""Accept-Encoding as npm, pnpm and yarn send it, and the stored compressed documents."""

from __future__ import annotations

import gzip

import brotli
import pytest

from chalicelib.http.params import accepted_encodings
from chalicelib.writes.rendered import compress


@pytest.mark.parametrize(
    ("header", "taken"),
    [
        ("gzip,deflate", ("gzip", "deflate")),  # npm (minipass-fetch)
        ("gzip, deflate, br", ("gzip", "deflate", "br")),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", ("br", "gzip", "*")),
        ("gzip;q=0, br", ("br",)),
        ("GZIP", ("gzip",)),
        ("", ()),
        (None, ()),
    ],
)
def test_accepted_encodings(header: str | None, taken: tuple[str, ...]) -> None:
    assert accepted_encodings(header) == taken


def test_compressed_copies_decode_to_the_document() -> None:
    body = b'{"name":"lib","versions":{}}' * 100
    assert gzip.decompress(compress(body, "gzip")) == body
    assert brotli.decompress(compress(body, "br")) == body
    # No timestamp in the gzip header: the same document always compresses to the same bytes.
    assert compress(body, "gzip") == compress(body, "gzip")
