"""What a dist-tag may be called."""

from __future__ import annotations

from chalicelib.errors import InvalidTagError
from chalicelib.packuments.names import encode_uri_component
from chalicelib.packuments.versions import is_valid_range


def validate_tag(tag: object) -> str:
    if not isinstance(tag, str) or not tag or encode_uri_component(tag) != tag:
        raise InvalidTagError(f"Invalid tag name {tag!r}: use URL-safe characters")
    # `npm dist-tag add` refuses these too: `npm install pkg@1` must mean a range, not a tag.
    if is_valid_range(tag):
        raise InvalidTagError(f"Tag name must not be a valid SemVer range: {tag}")
    return tag
