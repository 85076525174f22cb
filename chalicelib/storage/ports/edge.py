"""EdgeStore: the CDN in front of the registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class EdgeStore(Protocol):
    """The CDN in front of the registry (AWS: CloudFront): where it is, the public copies of
    tarballs it serves without calling the registry, its cached answers, its access logs."""

    def url(self) -> str | None:
        """Its public URL (https://…), or None when it cannot be told now."""

    def shared_files(self, name: str) -> set[str]:
        """The tarball file names of `name` it serves from public copies."""

    def share(self, name: str, file: str, tarball_key: str) -> None:
        """Make the public copy of the stored tarball at `tarball_key`."""

    def withdraw(self, name: str, file: str) -> None: ...

    def invalidate(self, paths: Sequence[str]) -> None:
        """Drop its cached answers for these URL paths (exact, as clients send them)."""

    def access_logs(self, limit: int, after: str | None = None) -> list[str]:
        """Up to `limit` access log files still in place, oldest first (after `after`)."""

    def read_log(self, log: str) -> bytes | None: ...

    def delete_log(self, log: str) -> None: ...
