"""Another npm registry, read over HTTP the way a follower reads npmjs's replicate endpoint.

The standard library's client: a follower makes one request at a time, so a pooled client
would buy nothing. The token goes only to the source's own origin (npm sends credentials only to
the registry they are for), never to a host a `dist.tarball` happens to name.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import RegistryError

USER_AGENT = "tarbox-mirror"
_TIMEOUT = 60


class SourceUnavailableError(RegistryError):
    """The registry being mirrored did not answer, or not as an npm registry would."""


@dataclass(frozen=True)
class Page:
    results: list[dict[str, Any]]
    last_seq: str


class RegistrySource:
    def __init__(self, url: str, token: str | None = None) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SourceUnavailableError(f"--from must be an http(s) registry URL, not {url!r}")
        self.url = url.rstrip("/")
        self._origin = (parsed.scheme, parsed.netloc)
        self._token = token

    def info(self) -> dict[str, Any]:
        found = self._json(f"{self.url}/")
        return found if isinstance(found, dict) else {}

    def changes(self, since: str, limit: int) -> Page:
        query = urllib.parse.urlencode({"since": since, "limit": limit})
        found = self._json(f"{self.url}/-/_changes?{query}")
        if not isinstance(found, dict) or not isinstance(found.get("results"), list):
            raise SourceUnavailableError(f"{self.url}/-/_changes answered no changes feed")
        return Page(found["results"], str(found.get("last_seq", since)))

    def packument(self, name: str) -> dict[str, Any] | None:
        """The full document, or None when the source says it is not there (404)."""
        try:
            found = self._json(f"{self.url}/{_path(name)}")
        except _MissingError:
            return None
        return found if isinstance(found, dict) else None

    def is_public(self, name: str) -> bool:
        """npm access get status: whether the source serves the package to everyone."""
        try:
            found = self._json(f"{self.url}/-/package/{_path(name)}/visibility")
        except _MissingError:
            return False
        return isinstance(found, dict) and found.get("public") is True

    def tarball(self, url: str) -> bytes:
        return self._get(url, accept="application/octet-stream")

    def _json(self, url: str) -> Any:
        body = self._get(url, accept="application/json")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise SourceUnavailableError(f"{url} answered something that is not JSON") from exc

    def _get(self, url: str, accept: str) -> bytes:
        headers = {"accept": accept, "user-agent": USER_AGENT}
        parsed = urllib.parse.urlsplit(url)
        if self._token and (parsed.scheme, parsed.netloc) == self._origin:
            headers["authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
        if parsed.scheme not in ("http", "https"):
            raise SourceUnavailableError(f"not an http(s) URL: {url!r}")
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:  # noqa: S310
                data: bytes = answer.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise _MissingError(url) from None
            raise SourceUnavailableError(f"GET {url} answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SourceUnavailableError(f"GET {url} failed: {exc}") from None


class _MissingError(SourceUnavailableError):
    def __init__(self, url: str) -> None:
        super().__init__(f"GET {url} answered 404")


def _path(name: str) -> str:
    # npm's own encoding of a scoped name in a path: @scope%2fname.
    return urllib.parse.quote(name, safe="@")
