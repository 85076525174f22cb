"""Turning request paths, headers and bodies into plain values.

Chalice hands path parameters over still percent-encoded (aws/chalice#511), on Lambda and locally,
so this module decodes each one exactly once. Scoped names arrive as `@s%2fn` (npm), `@s%2Fn`
(pnpm) or `@s/n` (two segments: tarball URLs, and tools that don't escape).
"""

from __future__ import annotations

import json
import zlib
from typing import Any
from urllib.parse import unquote

from chalicelib.errors import (
    InvalidPayloadError,
    PackageNotFoundError,
    PayloadTooLargeError,
    RouteNotFoundError,
)
from chalicelib.packuments.render import CORGI_CONTENT_TYPE

COUCH_USER_PREFIX = "org.couchdb.user:"
__all__ = ["unquote"]


def package_name(segment: str) -> str:
    """One path segment (`foo`, `@s%2fn`, `@s%2Fn`) -> the package name."""
    name = unquote(segment)
    # `/-/…` is the registry's own namespace; names may never start with `-` or `_` anyway.
    if (
        not name
        or name[0] in "-_"
        or name.count("/") > 1
        or (("/" in name) != name.startswith("@"))
    ):
        raise PackageNotFoundError(f"'{name}' is not in this registry")
    return name


def scoped_name(scope_segment: str, name_segment: str) -> str:
    """Two literal segments `@scope` / `name` -> `@scope/name`."""
    scope, name = unquote(scope_segment), unquote(name_segment)
    if not scope.startswith("@") or "/" in scope or "/" in name:
        raise RouteNotFoundError("Not found")
    return f"{scope}/{name}"


def is_literal_scope(segment: str) -> bool:
    """`@scope` (or `%40scope`) with no encoded slash: the first half of `@scope/name`."""
    decoded = unquote(segment)
    return decoded.startswith("@") and "/" not in decoded


def couch_user_name(segment: str) -> str:
    text = unquote(segment)
    if not text.startswith(COUCH_USER_PREFIX):
        raise RouteNotFoundError("Not found")
    return text[len(COUCH_USER_PREFIX) :]


def org_name(segment: str) -> str:
    """An org or team segment: percent-decoded, without the scope's `@` (the clients strip it)."""
    return unquote(segment).lstrip("@")


def wants_abbreviated(accept: str | None) -> bool:
    return CORGI_CONTENT_TYPE in (accept or "")


def accepted_encodings(accept_encoding: str | None) -> tuple[str, ...]:
    """The content codings an Accept-Encoding names with a non-zero q (npm sends `gzip,deflate`;
    pnpm and yarn add `br`)."""
    taken: list[str] = []
    for part in (accept_encoding or "").split(","):
        coding, _, parameters = part.strip().partition(";")
        q = parameters.strip().removeprefix("q=").strip() if parameters else "1"
        if coding and q not in ("0", "0.0", "0.00", "0.000"):
            taken.append(coding.strip().lower())
    return tuple(taken)


def tarball_file(segment: str) -> str:
    name = unquote(segment)
    if not name.endswith(".tgz") or "/" in name:
        raise RouteNotFoundError("Not found")
    return name


def json_body(raw: bytes | str | None) -> Any:
    """Parse a JSON body, refusing what JSON itself refuses: NaN and Infinity, numbers too large
    for a double, lone surrogates, and nesting deep enough to exhaust the parser. Stored as-is,
    any of these would make the packument unreadable for every client afterwards."""
    if not raw:
        raise InvalidPayloadError("A JSON body is required")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
    except (ValueError, UnicodeError, RecursionError):
        raise InvalidPayloadError("The body is not valid JSON") from None
    return value


def json_body_or_empty(raw: bytes | str | None) -> Any:
    """`json_body`, or `{}` when there is no body at all."""
    return json_body(raw) if raw else {}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_string(text: str) -> str:
    """A CouchDB view key: a JSON string (`"alice"`), as `npm stars` sends it."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, str):
        raise InvalidPayloadError('key must be a JSON string, like "alice"')
    return value


def inflated(raw: bytes | str | None, encoding: str | None, limit: int) -> bytes:
    """The body as sent, gzip undone when its Content-Encoding says so (npm gzips its audit
    request), never more than `limit` bytes: a gzip bomb stops there with a 413."""
    data = raw.encode() if isinstance(raw, str) else raw or b""
    if (encoding or "").strip().lower() != "gzip":
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise InvalidPayloadError("The body is not valid gzip") from None
    if len(body) > limit:
        raise PayloadTooLargeError(f"The body is over {limit // (1024 * 1024)} MiB inflated")
    return body
