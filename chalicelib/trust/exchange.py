"""npm's token exchange for trusted publishing (lib/utils/oidc.js): in CI, npm sends the CI's
OIDC ID token to `POST /-/npm/v1/oidc/token/exchange/package/{pkg}` and publishes with the token
it gets back, instead of one kept in its npmrc.

The ID token must come from a configured issuer, for `npm:<this registry's host>`, and its claims
must match one of the package's trusted publishers (`npm trust`). What comes back is a token
that lives minutes, may only publish that one package (or stage it, as the publisher allows),
and acts for the writer who made the trusted publisher, so a writer who loses the package takes
their publishers' power with them. No one-time password is asked of it: npm's trusted
publishing is meant to replace 2FA-bypassing tokens, and works when a package disallows tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from chalicelib.acl.guard import not_found, require_write
from chalicelib.auth.service import TRUSTED_PUBLISHER, Actor, issue_token
from chalicelib.clock import iso, parse_iso
from chalicelib.errors import AuthenticationRequiredError, PermissionDeniedError
from chalicelib.registry import Registry
from chalicelib.storage.ports.accounts import AccountStore
from chalicelib.storage.records import TrustedPublisher
from chalicelib.trust.id_tokens import IdToken, verified_id_token

# Long enough to pack and upload a big package; the ID token it came from lives about as long.
TOKEN_MINUTES = 15


def exchange_token(
    registry: Registry, authorization: str | None, name: str, base_url: str
) -> dict[str, Any]:
    """`{token, expires}` for an ID token whose claims a trusted publisher of `name` matches."""
    id_token = verified_id_token(
        _bearer(authorization), registry.settings.oidc_issuers, audiences(base_url)
    )
    package = registry.packages.get_package(name)
    if package is None or package.tombstone is not None:
        raise not_found(name)
    publisher = _matching(registry.trust.trusted_publishers(name), id_token)
    if publisher is None:
        raise PermissionDeniedError(
            f"No trusted publisher of {name} matches this workflow ({_described(id_token)}):"
            " add one with `npm trust`"
        )
    creator = registry.accounts.get_user(publisher.creator)
    if creator is None:
        raise PermissionDeniedError(
            f"The trusted publisher {publisher.id} of {name} was made by an account that is gone"
        )
    # As the writer who made it, today: not one who has since lost the package.
    require_write(registry, Actor(creator.name, creator.email), package)
    _forget_expired(registry.accounts, creator.name)
    expires = datetime.now(UTC) + timedelta(minutes=TOKEN_MINUTES)
    grants = {
        "packages": [name],
        "permission": "read-write",
        TRUSTED_PUBLISHER: {
            "id": publisher.type,
            "oidcConfigId": publisher.id,
            "permissions": list(publisher.permissions),
        },
    }
    token = issue_token(
        registry.accounts,
        creator.name,
        name=f"trusted publishing of {name}",
        description=_described(id_token),
        expires=iso(expires),
        grants=grants,
    )
    return {"token": token, "expires": iso(expires)}


def _forget_expired(accounts: AccountStore, user: str) -> None:
    """Each publish from CI makes a token: those of past jobs go, so `npm token list` does not
    grow by one per release."""
    now = datetime.now(UTC)
    for token in accounts.list_tokens(user):
        if TRUSTED_PUBLISHER in token.grants and token.expires and parse_iso(token.expires) <= now:
            accounts.delete_token(token.key)


def audiences(base_url: str) -> list[str]:
    """The audience a client asks its CI for: npm says `npm:<registry hostname>`
    (lib/utils/oidc.js), yarn `npm:<host>`, with the port when there is one."""
    url = urlsplit(base_url)
    return sorted({f"npm:{url.hostname}", f"npm:{url.netloc}"})


def _bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationRequiredError("Send the CI's OIDC ID token as a Bearer token")
    return value.strip()


def _matching(publishers: list[TrustedPublisher], id_token: IdToken) -> TrustedPublisher | None:
    for publisher in publishers:
        if publisher.type == id_token.provider and _claims_match(publisher, id_token.claims):
            return publisher
    return None


def _claims_match(publisher: TrustedPublisher, claims: dict[str, Any]) -> bool:
    wanted = publisher.claims
    environment = wanted.get("environment")
    sent = str(claims.get("environment") or "")
    if environment is not None and sent.lower() != environment.lower():
        return False
    if publisher.type == "github":
        return _github(wanted, claims)
    return _gitlab(wanted, claims)


def _github(wanted: dict[str, Any], claims: dict[str, Any]) -> bool:
    """`repository` is `owner/repo`; `workflow_ref` is
    `owner/repo/.github/workflows/release.yml@refs/heads/main`. GitHub's names are not case
    sensitive, its paths are."""
    repository = str(claims.get("repository", ""))
    path = str(claims.get("workflow_ref", "")).partition("@")[0]
    prefix = f"{repository}/.github/workflows/"
    return (
        repository.lower() == str(wanted["repository"]).lower()
        and path.startswith(prefix)
        and path[len(prefix) :] == wanted["workflow_ref"]["file"]
    )


def _gitlab(wanted: dict[str, Any], claims: dict[str, Any]) -> bool:
    """`project_path` is `group/project`; `ci_config_ref_uri` is
    `gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main`."""
    project = str(claims.get("project_path", ""))
    uri = str(claims.get("ci_config_ref_uri", "")).partition("@")[0]
    where, _, file = uri.partition("//")
    return (
        project.lower() == str(wanted["project_path"]).lower()
        and where.lower().endswith(f"/{project.lower()}")
        and file == wanted["ci_config_ref_uri"]["file"]
    )


def _described(id_token: IdToken) -> str:
    claims = id_token.claims
    if id_token.provider == "github":
        return f"repository {claims.get('repository')}, workflow {claims.get('workflow_ref')}"
    return f"project {claims.get('project_path')}, CI file {claims.get('ci_config_ref_uri')}"
