"""The one error table, and the wrapper that never lets a stack trace out."""

from __future__ import annotations

import json

import pytest

from chalicelib import errors
from chalicelib.http.errors import ERROR_TABLE, status_for, translated

ROWS = [
    (errors.InvalidPackageNameError, 400),
    (errors.IntegrityMismatchError, 400),
    (errors.AuthenticationRequiredError, 401),
    (errors.IncorrectPasswordError, 401),
    (errors.PaymentRequiredError, 402),
    (errors.PermissionDeniedError, 403),
    (errors.VersionAlreadyPublishedError, 403),
    (errors.PackageNotFoundError, 404),
    (errors.TarballNotFoundError, 404),
    (errors.ConcurrentModificationError, 409),
    (errors.UserExistsError, 409),
    (errors.PayloadTooLargeError, 413),
    (errors.TooManyFilesError, 415),
    (errors.RateLimitedError, 429),
    (errors.OtpRequiredError, 401),
    (errors.IpAddressNotAllowedError, 401),
    (errors.InvariantViolationError, 400),
    (errors.TokenNotFoundError, 404),
    (errors.UpstreamUnavailableError, 502),
    (errors.StorageUnavailableError, 503),
    (errors.NotConfiguredError, 503),
    (errors.NotBuiltError, 501),
]


@pytest.mark.parametrize(("cls", "status"), ROWS)
def test_every_error_class_has_its_status(cls: type[errors.RegistryError], status: int) -> None:
    error = cls("x", retry_after=1) if cls is errors.RateLimitedError else cls("x")  # type: ignore[call-arg]
    assert status_for(error) == status


def test_every_row_of_the_table_is_covered_above() -> None:
    assert {status for _, status in ERROR_TABLE} <= {status for _, status in ROWS}


def test_domain_errors_are_npm_shaped() -> None:
    def view() -> None:
        raise errors.PermissionDeniedError("nope")

    response = translated(view)()
    assert response.status_code == 403
    assert json.loads(response.body) == {"error": "nope", "message": "nope"}


def test_anything_else_is_a_bare_500_without_a_trace() -> None:
    def view() -> None:
        raise KeyError("secret internals")

    response = translated(view)()
    assert response.status_code == 500
    assert (
        "secret" not in response.body
        and json.loads(response.body)["error"] == "internal server error"
    )
