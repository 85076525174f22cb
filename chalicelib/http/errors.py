"""The one table from domain error to HTTP status, and the wrapper every route is registered with.

Bodies are npm-shaped: the CLI prints `body.error`; npm's docs tell clients to read `message`
first. Both are sent. Chalice turns unknown exceptions into its own 500 before middleware sees
them, so each view is wrapped here instead.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.http.observe import logger, note

# Most specific first: the first matching row wins.
ERROR_TABLE: tuple[tuple[type[errors.RegistryError], int], ...] = (
    (errors.InvalidPayloadError, 400),
    (errors.AuthenticationRequiredError, 401),
    (errors.PaymentRequiredError, 402),
    (errors.PermissionDeniedError, 403),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.PayloadTooLargeError, 413),
    (errors.TooManyFilesError, 415),
    (errors.RateLimitedError, 429),
    (errors.UpstreamUnavailableError, 502),
    (errors.StorageUnavailableError, 503),
    (errors.NotConfiguredError, 503),
    (errors.NotBuiltError, 501),
)


def status_for(error: errors.RegistryError) -> int:
    for cls, status in ERROR_TABLE:
        if isinstance(error, cls):
            return status
    return 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps({"error": message, "message": message}),
        status_code=status,
        headers={
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


def response_for(error: errors.RegistryError) -> Response:
    status = status_for(error)
    headers: dict[str, str] = {}
    if isinstance(error, errors.AuthenticationRequiredError):
        headers["WWW-Authenticate"] = error.www_authenticate
    if isinstance(error, errors.RateLimitedError):
        headers["Retry-After"] = str(error.retry_after)
    return error_response(status, error.message, headers)


def translated(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer domain errors from the table and anything else with a bare 500, never a trace."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except errors.RegistryError as exc:
            note(error=type(exc).__name__)
            return response_for(exc)
        except Exception as exc:
            note(error=type(exc).__name__)
            logger().exception("unhandled error in %s", view.__name__)
            return error_response(500, "internal server error")

    wrapper.tarbox_translated = True  # type: ignore[attr-defined]
    return wrapper


def npm_shaped(response: Response) -> Response:
    """Rewrite Chalice's own errors (405, 415, its 400 for binary Accept) into npm's shape."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Message" in body:
        message = str(body["Message"])
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        return error_response(response.status_code, message, {**headers})  # type: ignore[dict-item]
    return response
