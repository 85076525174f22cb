"""Domain errors, named for the condition. No HTTP here: `http/errors.py` maps them to statuses."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every error the registry answers on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPayloadError(RegistryError):
    """The request body or a parameter is malformed."""


class InvalidPackageNameError(InvalidPayloadError):
    """A name breaks npm's naming rules (validate-npm-package-name)."""


class InvalidVersionError(InvalidPayloadError):
    """A version is not clean semver."""


class InvalidTagError(InvalidPayloadError):
    """A dist-tag is malformed, names a missing version, or is a semver range."""


class IntegrityMismatchError(InvalidPayloadError):
    """`length`, `dist.shasum` or `dist.integrity` do not match the tarball bytes."""


class InvariantViolationError(InvalidPayloadError):
    """A change would break a rule of the package document (see packuments/invariants.py)."""


class InvalidTarballError(InvalidPayloadError):
    """The attachment is not a gzip tar with a matching package.json."""


class InvalidQueryError(InvalidPayloadError):
    """A query parameter (a feed cursor, a search size, a download period) is malformed."""


class NameUnavailableError(InvalidPayloadError):
    """A user name that cannot be had (its scope belongs to someone else)."""


class AuthenticationRequiredError(RegistryError):
    """No credentials, or credentials that are not valid."""

    # npm-registry-fetch reads the elements of this header: `otp` prompts for a one-time
    # password, `ipaddress` says the address is not allowed, anything else that the token
    # "seems to be invalid" (check-response.js).
    www_authenticate = 'Bearer realm="tarbox"'


class OtpRequiredError(AuthenticationRequiredError):
    """A one-time password is needed (or the one sent is wrong): npm prompts for it."""

    www_authenticate = "OTP"


class IpAddressNotAllowedError(AuthenticationRequiredError):
    """The token's CIDR allow-list does not include the client's address."""

    www_authenticate = "ipaddress"


class IncorrectPasswordError(AuthenticationRequiredError):
    """The password does not match the account."""


class PermissionDeniedError(RegistryError):
    """Authenticated, but not allowed to do this."""


class LastOwnerError(PermissionDeniedError):
    """The change would leave an org without an owner (npmjs refuses it)."""

    def __init__(self, message: str = "An org must keep at least one owner") -> None:
        super().__init__(message)


class VersionAlreadyPublishedError(PermissionDeniedError):
    """npm answers a republish with 403 "You cannot publish over the previously published
    versions"."""


class PaymentRequiredError(RegistryError):
    """A private package needs a paid plan."""


class NotFoundError(RegistryError):
    """Base of every missing thing."""


class PackageNotFoundError(NotFoundError):
    pass


class VersionNotFoundError(NotFoundError):
    pass


class TarballNotFoundError(NotFoundError):
    pass


class UserNotFoundError(NotFoundError):
    pass


class TokenNotFoundError(NotFoundError):
    pass


class RouteNotFoundError(NotFoundError):
    pass


class ConflictError(RegistryError):
    """Base of every write that lost a race or collides with existing data."""


class ConcurrentModificationError(ConflictError):
    """A compare-and-swap on `_rev` failed."""


class PackageExistsError(ConflictError):
    """The package (or a name differing only by case) already exists."""


class VersionExistsError(ConflictError):
    """Storage refused a second write of one name@version."""


class UserExistsError(ConflictError):
    """The user name (or its scope) is taken."""


class TeamExistsError(ConflictError):
    """A team of that name already exists in the org."""


class ScopeClaimedError(ConflictError):
    """Storage refused a second claim of one scope."""


class PayloadTooLargeError(RegistryError):
    """The body or tarball is over the deployment's limit."""


class TooManyFilesError(RegistryError):
    """The tarball has more files than the deployment allows (npmjs: 415 'Too many files')."""


class RateLimitedError(RegistryError):
    """Too many attempts: answered 429 with Retry-After."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailableError(RegistryError):
    """A backend did not answer."""


class UpstreamUnavailableError(RegistryError):
    """A server this request needed (an OIDC issuer's keys) did not answer well (502)."""


class NotConfiguredError(RegistryError):
    """The deployment lacks a setting this request needs (answered 503, so senders retry)."""


class NotBuiltError(RegistryError):
    """A part of npm's registry API this registry does not have yet (answered 501)."""
