"""Reading request bodies: asynchronously, within the limit, and within a per-worker budget.

A body is held in memory while it arrives (never spooled to disk). So that no client can make
a worker hold memory for long or in bulk: a body over the limit is refused as soon as that is
known (from Content-Length, or as the bytes arrive); a body that stops arriving for
`idle_seconds` is refused with 408 (npm retries those); the bodies a worker is reading at once
may hold `budget_bytes` between them, past which the newest is refused with 503 (npm retries);
and a body shorter than its Content-Length (the client went away) never reaches the app.
"""

from __future__ import annotations

import asyncio
from typing import Any

TOO_LARGE = "Tarball too large for this registry (max {mb:.1f} MB)"


class BodyRefusedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyReader:
    def __init__(
        self, *, max_body_bytes: int, max_tarball_bytes: int, budget_bytes: int, idle_seconds: float
    ) -> None:
        self._max = max_body_bytes
        self._too_large = TOO_LARGE.format(mb=max_tarball_bytes / 1024 / 1024)
        self._budget = budget_bytes
        self._idle = idle_seconds
        self._in_flight = 0

    async def read(self, proto: Any, headers: dict[str, str]) -> bytes:
        declared = _length(headers.get("content-length"))
        if declared is not None and declared > self._max:
            raise BodyRefusedError(413, self._too_large)
        chunks: list[bytes] = []
        held = 0
        try:
            async for chunk in _within(proto, self._idle):
                held += len(chunk)
                self._in_flight += len(chunk)
                if held > self._max:
                    raise BodyRefusedError(413, self._too_large)
                if self._in_flight > self._budget:
                    raise BodyRefusedError(503, "The registry is receiving too much at once: retry")
                chunks.append(chunk)
        finally:
            self._in_flight -= held
        if declared is not None and held != declared:
            raise BodyRefusedError(400, "The request body does not match its Content-Length")
        return b"".join(chunks)


async def _within(proto: Any, idle_seconds: float) -> Any:
    """The body's chunks, each of which must arrive within `idle_seconds` of the last."""
    chunks = proto.__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), idle_seconds)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise BodyRefusedError(408, "The request body stopped arriving") from None
        yield chunk


def _length(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
