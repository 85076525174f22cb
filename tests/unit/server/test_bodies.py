"""Request bodies: refused over the limit, when they stop arriving, past the worker's budget,
or when shorter than their Content-Length."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from chalicelib.server.bodies import BodyReader, BodyRefusedError


class Proto:
    """What granian's RSGI protocol offers for a body: an async iterator of chunks."""

    def __init__(self, chunks: list[bytes], stall_after: int | None = None) -> None:
        self._chunks = chunks
        self._stall_after = stall_after

    async def _iterate(self) -> AsyncIterator[bytes]:
        for at, chunk in enumerate(self._chunks):
            if at == self._stall_after:
                await asyncio.sleep(3600)
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()


def reader(max_body: int = 100, budget: int = 1000, idle: float = 5.0) -> BodyReader:
    return BodyReader(
        max_body_bytes=max_body, max_tarball_bytes=75, budget_bytes=budget, idle_seconds=idle
    )


def read(body: BodyReader, proto: Proto, headers: dict[str, str]) -> bytes:
    return asyncio.run(body.read(proto, headers))


def refusal(body: BodyReader, proto: Proto, headers: dict[str, str]) -> int:
    with pytest.raises(BodyRefusedError) as refused:
        read(body, proto, headers)
    return refused.value.status


def test_a_whole_body_is_read() -> None:
    assert read(reader(), Proto([b"ab", b"cd"]), {"content-length": "4"}) == b"abcd"
    assert read(reader(), Proto([b"ab", b"cd"]), {}) == b"abcd"  # chunked


def test_over_the_limit_declared_or_counted() -> None:
    assert refusal(reader(), Proto([b"x"]), {"content-length": "101"}) == 413
    assert refusal(reader(), Proto([b"x" * 60, b"x" * 60]), {}) == 413


def test_a_body_that_stops_arriving() -> None:
    proto = Proto([b"ab", b"cd"], stall_after=1)
    assert refusal(reader(idle=0.05), proto, {"content-length": "4"}) == 408


def test_a_body_shorter_than_its_length_never_reaches_the_app() -> None:
    assert refusal(reader(), Proto([b"ab"]), {"content-length": "4"}) == 400


def test_the_worker_budget_is_shared_and_given_back() -> None:
    body = reader(max_body=100, budget=150)

    async def two_at_once() -> list[object]:
        slow = Proto([b"x" * 80, b"x" * 10], stall_after=1)
        fast = Proto([b"y" * 80])
        first = asyncio.ensure_future(body.read(slow, {}))
        await asyncio.sleep(0.01)  # the first holds 80 bytes, waiting for more
        second = await asyncio.gather(body.read(fast, {}), return_exceptions=True)
        first.cancel()
        return second

    (second,) = asyncio.run(two_at_once())
    assert isinstance(second, BodyRefusedError) and second.status == 503
    # Nothing is held once those reads are over.
    assert read(body, Proto([b"z" * 100]), {}) == b"z" * 100
