"""`tarbox mirror --from URL`: follow another registry's changes feed and copy what changed.

Resumable: the cursor is saved in this registry's blob store after every change, with the
packages that failed (retried first on the next run), so a mirror stopped at any point goes on
from there. Idempotent: copying a package that is already here as the source has it writes
nothing. A package that cannot be copied (a source error, a failed integrity check, a version
that differs from the one here) is reported and retried next time; the others go on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import RegistryError
from chalicelib.registry import Registry
from chalicelib.replication.copy import Copied, copy_deletion, copy_package
from chalicelib.replication.source import RegistrySource

PAGE = 100
START = "0"


class MirrorIncompleteError(RegistryError):
    """Some packages could not be copied; the rest were, and the next run tries them again."""


@dataclass
class Summary:
    seen: int = 0  # changes read from the feed
    copied: int = 0  # packages written here
    versions: int = 0
    bytes: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0  # outside the --scope filter
    failed: dict[str, str] = field(default_factory=dict)  # package -> why

    def add(self, copied: Copied) -> None:
        self.versions += copied.versions
        self.bytes += copied.bytes
        if copied.deleted:
            self.deleted += 1
        elif copied.changed or copied.versions:
            self.copied += 1
        else:
            self.unchanged += 1

    def line(self) -> str:
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"{self.seen} changes: {self.copied} packages copied ({self.versions} versions, "
            f"{_size(self.bytes)}), {self.deleted} deleted, {self.unchanged} unchanged, "
            f"{self.skipped} outside the scopes{failed}"
        )


Progress = Callable[[Summary, int], None]


@dataclass(frozen=True)
class Mirror:
    registry: Registry
    source: RegistrySource
    scopes: tuple[str, ...] = ()

    @property
    def state_key(self) -> str:
        ident = json.dumps([self.source.url, sorted(self.scopes)])
        return f"mirror/{hashlib.sha256(ident.encode()).hexdigest()[:24]}.json"

    def run(self, progress: Progress | None = None) -> Summary:
        state = self._state()
        summary = Summary()
        total = int(self.source.info().get("doc_count") or 0)
        for name in list(state["retry"]):  # what failed last time, first
            self._copy_one(name, False, summary, state)
        since = str(state["since"])
        while True:
            page = self.source.changes(since, PAGE)
            for result in page.results:
                self._follow(result, summary, state)
                if progress is not None:
                    progress(summary, total)
            # A page can be empty and still move on (the source left out changes this caller
            # may not read): the end is a page that does not move the cursor.
            if not page.results and page.last_seq == since:
                return summary
            since = page.last_seq
            state["since"] = since
            self._save(state)

    def _follow(self, result: dict[str, Any], summary: Summary, state: dict[str, Any]) -> None:
        summary.seen += 1
        name = str(result.get("id") or "")
        if not self._wanted(name):
            summary.skipped += 1
        else:
            self._copy_one(name, result.get("deleted") is True, summary, state)
        state["since"] = str(result.get("seq") or state["since"])
        self._save(state)

    def _copy_one(self, name: str, deleted: bool, summary: Summary, state: dict[str, Any]) -> None:
        retry: list[str] = state["retry"]
        try:
            summary.add(self._copy(name, deleted=deleted))
        except RegistryError as exc:
            summary.failed[name] = exc.message
            if name not in retry:
                retry.append(name)
            return
        if name in retry:
            retry.remove(name)
        summary.failed.pop(name, None)

    def _copy(self, name: str, *, deleted: bool) -> Copied:
        packument = None if deleted else self.source.packument(name)
        if packument is None or "versions" not in packument:
            return copy_deletion(self.registry, name)
        private = name.startswith("@") and not self.source.is_public(name)
        return copy_package(self.registry, packument, self.source.tarball, private=private)

    def _wanted(self, name: str) -> bool:
        if not self.scopes:
            return True
        return any(name.startswith(f"@{scope}/") for scope in self.scopes)

    def _state(self) -> dict[str, Any]:
        stored = self.registry.blobs.get(self.state_key)
        state: dict[str, Any] = json.loads(stored) if stored else {}
        return {
            "source": self.source.url,
            "scopes": sorted(self.scopes),
            "since": str(state.get("since") or START),
            "retry": list(state.get("retry") or []),
        }

    def _save(self, state: dict[str, Any]) -> None:
        data = json.dumps(state, indent=2).encode()
        self.registry.blobs.put(self.state_key, data, "application/json")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} B"  # pragma: no cover - the loop always returns
