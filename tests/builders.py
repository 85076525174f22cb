"""Builders for test data: tarballs and publish bodies shaped exactly like npm 11 sends them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from typing import Any


def a_tarball(
    name: str,
    version: str,
    *,
    manifest: dict[str, Any] | None = None,
    files: dict[str, bytes] | None = None,
    top: str = "package",
) -> bytes:
    """A gzip'd tar like `npm pack` makes: everything under `package/`."""
    package_json = {"name": name, "version": version, **(manifest or {})}
    entries = {"package.json": json.dumps(package_json).encode(), **(files or {})}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in entries.items():
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def a_publish_body(
    name: str,
    version: str = "1.0.0",
    *,
    tarball: bytes | None = None,
    access: str | None = "public",
    tag: str = "latest",
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON npm 11 PUTs to `/{pkg}` (libnpmpublish buildMetadata)."""
    data = tarball if tarball is not None else a_tarball(name, version, manifest=manifest)
    file = f"{name}-{version}.tgz"
    version_manifest = {
        "name": name,
        "version": version,
        **(manifest or {}),
        "readme": f"# {name}\n",
        "_id": f"{name}@{version}",
        "_nodeVersion": "20.20.2",
        "_npmVersion": "11.19.1",
        "dist": {
            "integrity": integrity_of(data),
            "shasum": hashlib.sha1(data).hexdigest(),
            "tarball": f"http://wrong.example/{file}",
        },
    }
    return {
        "_id": name,
        "name": name,
        "description": f"{name} for tests",
        "dist-tags": {tag: version},
        "versions": {version: version_manifest},
        "access": access,
        "_attachments": {
            file: {
                "content_type": "application/octet-stream",
                "data": base64.b64encode(data).decode(),
                "length": len(data),
            }
        },
    }


def encoded(name: str) -> str:
    """How npm puts a package name in a path: `@scope%2fname`."""
    return name.replace("/", "%2f")


def a_cdn_log(rows: list[tuple[str, str, str]]) -> bytes:
    """A CloudFront standard log (its header lines and the fields this reads, in its order)."""
    fields = (
        "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
        "cs(Referer) cs(User-Agent) cs-uri-query"
    )
    lines = ["#Version: 1.0", f"#Fields: {fields}"]
    for method, path, status in rows:
        escaped = path.replace("@", "%40")  # the log escapes the path
        values: list[Any] = ["2026-12-06", "04:00:01", "FRA56-C1", 1234, "192.0.2.1", method]
        values += ["d111.cloudfront.net", escaped, status, "-", "npm/11", "-"]
        lines.append("\t".join(str(v) for v in values))
    return ("\n".join(lines) + "\n").encode()
