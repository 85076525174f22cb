"""A stand-in upstream registry for the read-through cache's tests: documents by name, each
version's tarball, and a count of what it was asked."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.builders import a_tarball, integrity_of
from tests.e2e.harness import serving

OLD = "2026-01-01T00:00:00.000Z"


@dataclass
class StandIn:
    """An upstream registry: documents by name, each version's tarball; what it was asked. It
    answers ETags, and 304 to a request that has the current one."""

    url: str = ""
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    tarballs: dict[str, bytes] = field(default_factory=dict)
    asked: Counter[str] = field(default_factory=Counter)

    def publish(self, name: str, version: str, published: str = OLD) -> None:
        tarball = a_tarball(name, version)
        file = f"{name.rsplit('/', maxsplit=1)[-1]}-{version}.tgz"
        self.tarballs[f"/{name}/-/{file}"] = tarball
        document = self.documents.setdefault(
            name, {"name": name, "dist-tags": {}, "versions": {}, "time": {}}
        )
        dist = {"tarball": f"{self.url}/{name}/-/{file}", "integrity": integrity_of(tarball)}
        document["versions"][version] = {"name": name, "version": version, "dist": dist}
        document["dist-tags"]["latest"] = version
        document["time"].update({version: published, "modified": published})

    def unpublish(self, name: str, version: str | None = None) -> None:
        """One version (`latest` moves to the highest left), or the whole package."""
        if version is None:
            del self.documents[name]
            return
        document = self.documents[name]
        del document["versions"][version]
        left = sorted(document["versions"])
        document["dist-tags"] = {"latest": left[-1]} if left else {}


@contextmanager
def standin_registry() -> Iterator[StandIn]:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = unquote(self.path)
            state.asked[path] += 1
            document = state.documents.get(path[1:])
            body = json.dumps(document).encode() if document else state.tarballs.get(path)
            etag = f'"{hashlib.sha1(body or b"").hexdigest()}"'
            if body is not None and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200 if body is not None else 404)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as url:
        state.url = url
        yield state
