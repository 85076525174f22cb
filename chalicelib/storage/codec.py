"""The storage codec: records (`chalicelib/storage/records.py`) as the JSON text the adapters of
both backends store, and back, and the few checks and values those writes share.

Readers give every field added after the first release its default, so rows and items written by
an older version read back as records with `users={}`, `updated=""`, `kind="session"` and so on.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from typing import Any

from chalicelib.storage.records import (
    JSON,
    Advisory,
    Maintainer,
    PackageRecord,
    PlanRecord,
    SigningKey,
    StagedVersion,
    SubscriptionRecord,
    TokenRecord,
    TrustedPublisher,
    UserRecord,
)


def dumps(value: Any) -> str:
    # ensure_ascii=False: UTF-8 is smaller than \u escapes, and DynamoDB bills items by size.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads_object(text: str | None) -> JSON:
    """A JSON object, or {} for a missing (None) or empty attribute."""
    if not text:
        return {}
    value: JSON = json.loads(text)
    return value


def check_kind(kind: str) -> None:
    """Ephemeral kinds are short words ("login", "otp", "rate"); a '#' would make two kind/key
    pairs share one DynamoDB key."""
    if not kind or "#" in kind:
        raise ValueError(f"invalid ephemeral kind {kind!r}")


def new_epoch() -> str:
    """A new change log's epoch: its cursors carry it, so one from another log is told apart."""
    return secrets.token_hex(4)


# --- packages ---------------------------------------------------------------------------------


def package_state(package: PackageRecord) -> JSON:
    """What changes with stars, deprecations and unpublishes (DynamoDB keeps it in `state`)."""
    return {
        "users": package.users,
        "deprecated": package.deprecated,
        "unpublished": package.unpublished,
        "tombstone": package.tombstone,
        "mfa": package.mfa,
    }


def with_package_state(package: PackageRecord, state: Mapping[str, Any]) -> PackageRecord:
    return replace(package, **package_state_fields(state))


def package_state_fields(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state fields of a package record, as `PackageRecord(**…)` takes them."""
    return {
        "users": dict(state.get("users") or {}),
        "deprecated": dict(state.get("deprecated") or {}),
        "unpublished": dict(state.get("unpublished") or {}),
        "tombstone": state.get("tombstone"),
        "mfa": str(state.get("mfa") or "none"),
    }


def package_to_json(package: PackageRecord) -> str:
    return dumps(
        {
            "dist_tags": package.dist_tags,
            "maintainers": [{"name": m.name, "email": m.email} for m in package.maintainers],
            "access": package.access,
            "created": package.created,
            "modified": package.modified,
            "meta": package.meta,
            **package_state(package),
        }
    )


def package_from_json(name: str, rev: int, text: str) -> PackageRecord:
    data: JSON = json.loads(text)
    return PackageRecord(
        name=name,
        rev=rev,
        dist_tags=data["dist_tags"],
        maintainers=tuple(Maintainer(m["name"], m["email"]) for m in data["maintainers"]),
        access=data["access"],
        created=data["created"],
        modified=data["modified"],
        meta=data.get("meta", {}),
        # Built whole, not replaced field by field: every packument read makes one.
        **package_state_fields(data),
    )


# --- users ------------------------------------------------------------------------------------


def check_new_updated(user: UserRecord, expected_updated: str) -> None:
    """replace_user's precondition: `updated` is the compare-and-swap token, so a replacement
    that keeps it (or clears it) would let a concurrent writer's swap pass as well."""
    if not user.updated or user.updated == expected_updated:
        raise ValueError(
            f"replace_user needs a new `updated` for {user.name} (got {user.updated!r},"
            f" expected something other than {expected_updated!r})"
        )


def user_to_json(user: UserRecord) -> str:
    return dumps(
        {
            "email": user.email,
            "password_hash": user.password_hash,
            "created": user.created,
            "updated": user.updated,
            "profile": user.profile,
            "tfa": user.tfa,
        }
    )


def user_from_json(name: str, text: str) -> UserRecord:
    data: JSON = json.loads(text)
    return UserRecord(
        name=name,
        email=data["email"],
        password_hash=data["password_hash"],
        created=data["created"],
        updated=data.get("updated") or "",
        profile=data.get("profile") or {},
        tfa=data.get("tfa"),
    )


# --- tokens -----------------------------------------------------------------------------------


def token_details(token: TokenRecord) -> JSON:
    """The fields beyond owner, kind of access and creation (DynamoDB keeps them in `details`)."""
    return {
        "name": token.name,
        "description": token.description,
        "cidr_whitelist": list(token.cidr_whitelist),
        "expires": token.expires,
        "grants": token.grants,
        "kind": token.kind,
    }


def with_token_details(token: TokenRecord, details: Mapping[str, Any]) -> TokenRecord:
    return replace(
        token,
        name=details.get("name"),
        description=details.get("description"),
        cidr_whitelist=tuple(details.get("cidr_whitelist") or ()),
        expires=details.get("expires"),
        grants=dict(details.get("grants") or {}),
        kind=details.get("kind") or "session",
    )


def token_to_json(token: TokenRecord) -> str:
    return dumps(
        {
            "user": token.user,
            "readonly": token.readonly,
            "created": token.created,
            "prefix": token.prefix,
            **token_details(token),
        }
    )


def token_from_json(key: str, text: str) -> TokenRecord:
    data: JSON = json.loads(text)
    record = TokenRecord(
        key=key,
        user=data["user"],
        readonly=bool(data["readonly"]),
        created=data["created"],
        prefix=data["prefix"],
    )
    return with_token_details(record, data)


# --- billing ----------------------------------------------------------------------------------


def plan_to_json(plan: PlanRecord) -> str:
    return dumps({k: v for k, v in asdict(plan).items() if k not in ("scope", "version")})


def plan_from_json(scope: str, version: int, text: str) -> PlanRecord:
    data = loads_object(text)
    return PlanRecord(
        scope=scope,
        subscription=data.get("subscription"),
        customer=data.get("customer"),
        linked=int(data.get("linked") or 0),
        override=data.get("override"),
        updated=str(data.get("updated") or ""),
        version=version,
    )


def subscription_to_json(subscription: SubscriptionRecord) -> str:
    return dumps({k: v for k, v in asdict(subscription).items() if k not in ("id", "version")})


def subscription_from_json(key: str, version: int, text: str) -> SubscriptionRecord:
    data = loads_object(text)
    since = data.get("past_due_since")
    return SubscriptionRecord(
        id=key,
        customer=str(data.get("customer") or ""),
        status=str(data.get("status") or ""),
        changed=int(data.get("changed") or 0),
        past_due_since=None if since is None else int(since),
        version=version,
    )


def check_next_version(version: int) -> None:
    if version < 1:
        raise ValueError(f"a billing record is written at version 1 or more, not {version}")


def advisories_to_json(advisories: Iterable[Advisory]) -> str:
    """A package's advisories as both backends store them: one JSON list, by id."""
    return dumps(sorted((asdict(a) for a in advisories), key=lambda a: str(a["id"])))


def advisories_from_json(text: str) -> list[Advisory]:
    return [Advisory(**{**item, "cwe": tuple(item.get("cwe") or ())}) for item in json.loads(text)]


def merged_advisories(stored: Iterable[Advisory], added: Iterable[Advisory]) -> list[Advisory]:
    """The stored advisories with the added ones put in, replacing any of the same id."""
    merged = {a.id: a for a in stored}
    merged.update({a.id: a for a in added})
    return list(merged.values())


def advisories_by_package(advisories: Iterable[Advisory]) -> dict[str, list[Advisory]]:
    grouped: dict[str, list[Advisory]] = {}
    for advisory in advisories:
        grouped.setdefault(advisory.package, []).append(advisory)
    return grouped


def signing_keys_to_json(keys: Iterable[SigningKey]) -> str:
    """The key ring as both backends store it: `{"keys": [...]}`, the current key first."""
    return dumps({"keys": [asdict(k) for k in keys]})


def signing_keys_from_json(text: str) -> tuple[SigningKey, ...]:
    items = loads_object(text).get("keys") or []
    return tuple(SigningKey(**item) for item in items)


def trusted_to_json(publishers: Iterable[TrustedPublisher]) -> str:
    """A package's trusted publishers as both backends store them: one JSON list."""
    return dumps([asdict(p) for p in publishers])


def trusted_from_json(text: str) -> list[TrustedPublisher]:
    return [
        TrustedPublisher(**{**item, "permissions": tuple(item.get("permissions") or ())})
        for item in json.loads(text)
    ]


def staged_to_json(staged: StagedVersion) -> str:
    return dumps(asdict(staged))


def staged_from_json(text: str) -> StagedVersion:
    return StagedVersion(**loads_object(text))


def split_secrets(value: str) -> list[str]:
    """A setting that lists secrets (several while one is rotated), comma-separated."""
    return [part.strip() for part in value.split(",") if part.strip()]
