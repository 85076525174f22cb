"""Building responses: JSON, stored packument bytes with ETags, tarballs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from chalice.app import Response

from chalicelib.serving.documents import Document, matches
from chalicelib.serving.visibility import Seen
from chalicelib.storage.ports.blobs import BlobStore

# Packuments change on every publish: let clients and CDNs keep them but revalidate (ETag -> 304).
PACKUMENT_CACHE = "public, max-age=0, must-revalidate"
# A private package's documents: the client may keep them, no shared cache (CDN, proxy) may.
PRIVATE_PACKUMENT_CACHE = "private, max-age=0, must-revalidate"
# A tarball's bytes never change for its URL.
TARBALL_CACHE = "public, max-age=31536000, immutable"
PRIVATE_TARBALL_CACHE = "private, max-age=31536000, immutable"
# The local server swaps this for the file's bytes, sent by granian (chalicelib/server/rsgi.py).
SENDFILE_HEADER = "X-Tarbox-Sendfile"
SENDFILE_CONTENT_TYPE = "application/x-tarbox-sendfile"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body),
        status_code=status,
        headers={
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


def notice(text: str | None) -> dict[str, str]:
    """npm-registry-fetch prints an `npm-notice` header as `npm notice …` (check-response.js)."""
    return {} if text is None else {"npm-notice": text}


# npm prints an `npm-notice` only from a response it did not store: make-fetch-happen marks what
# it caches with `x-local-cache`, and check-response.js skips notices on those. A document with a
# notice is therefore not for storing at all.
NOTICE_CACHE = "private, no-store"


def read_headers(seen: Seen, shared_max_age: int = 0) -> dict[str, str]:
    """`shared_max_age`: how long the CDN in front (AWS) may keep a public document before it
    revalidates; it invalidates its copies on every change (writes/edge.py), clients still
    revalidate every time."""
    cache = PRIVATE_PACKUMENT_CACHE if seen.private else PACKUMENT_CACHE
    if shared_max_age and not seen.private:
        cache = f"public, max-age=0, s-maxage={shared_max_age}, must-revalidate"
    if seen.notice is not None:
        cache = NOTICE_CACHE
    # Accept-Encoding: the local server answers stored gzip and brotli copies.
    vary = "Accept, Accept-Encoding, Authorization"
    return {"Cache-Control": cache, "Vary": vary, **notice(seen.notice)}


class StoredBytes(Response):
    """A body of stored bytes. The local server sends them as they are; a Lambda response is a
    JSON document, so there (and only there) they become text."""

    def to_dict(self, binary_types: list[str] | None = None) -> dict[str, Any]:
        if isinstance(self.body, bytes):
            self.body = self.body.decode()
        answer: dict[str, Any] = super().to_dict(binary_types)
        return answer


def document(
    doc: Document, if_none_match: str | None, elsewhere: str | None = None, shared_max_age: int = 0
) -> Response:
    """The stored bytes, a 304 when the client has them, or (`elsewhere`) a redirect to them."""
    headers: dict[str, str | list[str]] = {
        "ETag": doc.etag,
        **read_headers(doc.seen, shared_max_age),
    }
    if doc.encoding is not None:
        headers["Content-Encoding"] = doc.encoding
    if matches(doc.etag, if_none_match):
        return Response(body="", status_code=304, headers=headers)
    if elsewhere is not None:
        return redirect(elsewhere)
    headers["Content-Type"] = doc.content_type
    if doc.path is not None:
        headers[SENDFILE_HEADER] = doc.path
    return StoredBytes(body=doc.body, status_code=200, headers=headers)


def redirect(location: str) -> Response:
    # The signed URL is short-lived: never let anything store the redirect.
    return Response(
        body="", status_code=302, headers={"Location": location, "Cache-Control": "no-store"}
    )


def _tarball_cache(private: bool) -> dict[str, str]:
    if private:
        return {"Cache-Control": PRIVATE_TARBALL_CACHE, "Vary": "Authorization"}
    return {"Cache-Control": TARBALL_CACHE}


def sendfile(path: str, *, private: bool) -> Response:
    return Response(
        body="",
        status_code=200,
        headers={
            SENDFILE_HEADER: path,
            "Content-Type": SENDFILE_CONTENT_TYPE,
            **_tarball_cache(private),
        },
    )


def tarball_bytes(data: bytes, *, private: bool) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/octet-stream",
        **_tarball_cache(private),
    }
    return Response(body=data, status_code=200, headers=headers)


class Streamed(Response):
    """A body sent as it arrives: the local server writes each chunk as the view's iterator
    hands it over (chalicelib/server/rsgi.py). Only `tarbox serve` is given one (settings'
    `local_server`): API Gateway sends a Lambda's answer whole."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        close: Callable[[], None],
        headers: dict[str, str | list[str]],
    ) -> None:
        super().__init__(body="", status_code=200, headers=headers)
        self.chunks = chunks
        self.close = close  # lets go of the source, whether every chunk was sent or not


def streamed_tarball(
    chunks: Iterator[bytes], close: Callable[[], None], length: int | None, *, private: bool
) -> Streamed:
    headers: dict[str, str | list[str]] = {
        # The stand-in type, as for a file sent (sendfile): no Accept check on an empty body.
        "Content-Type": SENDFILE_CONTENT_TYPE,
        **_tarball_cache(private),
    }
    if length is not None:
        headers["Content-Length"] = str(length)
    return Streamed(chunks, close, headers)


def stored_tarball(blobs: BlobStore, key: str, url_ttl: int, *, private: bool) -> Response | None:
    """A stored tarball, as tarballs are served: a short-lived link to it on AWS, the file
    itself behind `tarbox serve`, else its bytes; None when it is not stored."""
    url = blobs.download_url(key, url_ttl)
    if url is not None:
        return redirect(url)
    path = blobs.local_path(key)
    if path is not None:
        return sendfile(path, private=private)
    data = blobs.get(key)
    return None if data is None else tarball_bytes(data, private=private)
