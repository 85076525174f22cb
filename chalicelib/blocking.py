"""Hot reads run on the local server's event loop (server/rsgi.py), where nothing may wait on
the network. A read that finds it must (the read-through cache on a miss: upstream/cache.py)
calls `will_block()` first: on the loop that stops the request, before it has done anything,
and the server runs it again in its thread pool. Anywhere else (a pooled request, Lambda, a
test) it does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_on_loop: ContextVar[bool] = ContextVar("tarbox_on_loop", default=False)


class MustNotBlock(BaseException):
    """Not an Exception: no view's or middleware's error handling may turn it into an answer."""


def will_block() -> None:
    if _on_loop.get():
        raise MustNotBlock


@contextmanager
def on_the_loop() -> Iterator[None]:
    """Run what is inside as a hot read on the event loop."""
    token = _on_loop.set(True)
    try:
        yield
    finally:
        _on_loop.reset(token)
