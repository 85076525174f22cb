"""From the change log to deliveries: each change's events, for each hook it concerns.

The dispatcher follows the change log with a cursor of its own (`HookStore.hook_cursor`). A
change concerns the hooks on its package, on its scope, and on each of its maintainers
(`type` package, scope, owner). A hook hears of a package only if its owner may read it now,
and of a change made while it was private only if they may read it as a private package: a
private package's events reach nobody who could not install it. Deliveries have
deterministic ids, so two dispatchers racing over the same changes add each delivery once,
and the cursor moves by compare-and-swap.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from chalicelib.acl.guard import may_read
from chalicelib.auth.service import Actor
from chalicelib.clock import now_iso
from chalicelib.packuments.names import scope_of
from chalicelib.packuments.render import full_packument
from chalicelib.registry import Registry
from chalicelib.signatures.signer import current_signer
from chalicelib.storage.ports.hooks import HookStore
from chalicelib.storage.records import JSON, Change, DeliveryRecord, HookRecord, PackageRecord

PAYLOAD_VERSION = "1.0.0"  # npm's hook payload format
# A delivery is stored with its body: past this, the packument in it is cut to its summary
# (name, dist-tags, times and the changed version), so a package with thousands of versions
# can neither outgrow a DynamoDB item nor stop the dispatcher.
MAX_PAYLOAD = 200_000
DISPATCH_PAGE = 100


def dispatch(registry: Registry, base_url: str, limit: int = DISPATCH_PAGE) -> int:
    """Turn the next `limit` changes into deliveries; how many changes were read (0: none
    left)."""
    cursor = registry.hooks.hook_cursor()
    changes = registry.changes.changes_since(cursor, limit)
    if not changes:
        return 0
    packages = registry.packages.get_packages([c.name for c in changes])
    for change in changes:
        package = packages.get(change.name)
        if package is not None and change.events:
            _dispatch_change(registry, base_url, change, package)
    if not registry.hooks.move_hook_cursor(cursor, changes[-1].seq):
        return 0  # another dispatcher moved on first: it goes on from there
    return len(changes)


def _dispatch_change(
    registry: Registry, base_url: str, change: Change, package: PackageRecord
) -> None:
    # A hook hears of changes made after it was: a dispatcher that lags does not send a new
    # hook the past.
    hooks = [
        h
        for h in _concerned(registry.hooks, package)
        if h.created <= change.time and _may_hear(registry, h, package, private=change.private)
    ]
    if not hooks:
        return
    versions = registry.packages.list_versions(package.name)
    # The worker may only read the keys: the API makes the first one, at the first publish.
    document = full_packument(
        package, versions, base_url, current_signer(registry.signing_keys, create=False)
    )
    for index, event in enumerate(change.events):
        for hook in hooks:
            body = payload(hook, event, package.name, document)
            delivery = DeliveryRecord(
                id=f"{hook.id}:{change.seq:012d}:{index}",
                hook=hook.id,
                event=str(event["event"]),
                payload=body,
                status="pending",
                attempts=0,
                next_attempt=time.time(),
                created=now_iso(),
            )
            registry.hooks.add_delivery(delivery)  # False for one added before: fine


def _concerned(hooks: HookStore, package: PackageRecord) -> list[HookRecord]:
    found = {h.id: h for h in hooks.watching("package", package.name)}
    scope = scope_of(package.name)
    if scope is not None:
        found.update({h.id: h for h in hooks.watching("scope", scope)})
    maintainers = {m.name for m in package.maintainers}
    maintainers |= {str(m.get("name")) for m in (package.tombstone or {}).get("maintainers", [])}
    for owner in sorted(maintainers):
        found.update({h.id: h for h in hooks.watching("owner", owner)})
    return list(found.values())


def _may_hear(
    registry: Registry, hook: HookRecord, package: PackageRecord, *, private: bool
) -> bool:
    """A change made while the package was private is judged as if it still were: a dispatcher
    that lags must not tell a stranger what a package did before it went public."""
    judged = replace(package, access="restricted") if private else package
    if judged.access == "public":
        return True
    user = registry.accounts.get_user(hook.owner)
    return user is not None and may_read(registry, Actor(user.name, user.email), judged)


def payload(hook: HookRecord, event: JSON, name: str, document: JSON) -> str:
    """npm's hook payload (hooks-payload.md): the event, the package's document now, and what
    changed."""
    envelope = {
        "event": event["event"],
        "name": name,
        "type": "package",
        "version": PAYLOAD_VERSION,
        "hookOwner": {"username": hook.owner},
        "payload": document,
        "change": event.get("change", {}),
        "time": int(time.time() * 1000),
    }
    body = json.dumps(envelope, separators=(",", ":"))
    if len(body) <= MAX_PAYLOAD:
        return body
    changed = str(event.get("change", {}).get("version") or "")
    versions = document.get("versions") or {}
    kept: tuple[str, ...] = ("_id", "_rev", "name", "dist-tags", "time")
    summary: JSON = {key: document[key] for key in kept if key in document}
    summary["versions"] = {changed: versions[changed]} if changed in versions else {}
    return json.dumps({**envelope, "payload": summary}, separators=(",", ":"))
