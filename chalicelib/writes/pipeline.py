"""The one package-write pipeline: load, check the rules (`packuments/invariants.py`),
compare-and-swap, then the work every write leaves (`after.py`).

`change_package` is every change to a published package a person makes (dist-tags, deprecate,
owners, stars, access, unpublish). A publish (`publish/service.py`) adds a version with the same
steps, and a copy of another registry's package (`replay.py`: a mirror, an import) writes its
versions, then its item through `commit_change`. A client that sent a `_rev` gets 409 when it is
stale; without one, a lost race is simply retried against the fresh state.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.acl.facts import facts_for
from chalicelib.acl.guard import enforce, not_found, require_token_may_write, writers_of
from chalicelib.acl.policy import PACKAGE_READ, PACKAGE_WRITE, can
from chalicelib.auth.second_factor import require_write_otp
from chalicelib.auth.service import Actor
from chalicelib.auth.throttle import LoginThrottle
from chalicelib.changes.events import events_of
from chalicelib.errors import ConcurrentModificationError, PackageNotFoundError
from chalicelib.packuments.invariants import check_transition, view_of
from chalicelib.packuments.render import rev_string
from chalicelib.registry import Registry
from chalicelib.storage.ports.packages import PackageStore
from chalicelib.storage.records import PackageRecord, VersionRecord
from chalicelib.writes.after import after_write
from chalicelib.writes.retries import with_retries
from chalicelib.writes.turns import Turns

Compute = Callable[[PackageRecord, list[VersionRecord]], PackageRecord]


def change_package(  # noqa: PLR0913 - the last three are keyword-only options
    registry: Registry,
    actor: Actor,
    name: str,
    compute: Compute,
    *,
    base_url: str,
    expected_rev: str | None = None,
    otp_exempt: bool = False,
    star: bool = False,
) -> PackageRecord:
    """`star`: the change is the actor's own star, which anyone who may read may make."""
    require_token_may_write(actor, name)
    if not otp_exempt:
        require_write_otp(
            registry.accounts, actor, LoginThrottle(registry.ephemeral, actor.client_ip)
        )

    def attempt() -> PackageRecord:
        package = registry.packages.get_package(name)
        if package is None or package.tombstone is not None:
            raise PackageNotFoundError(f"'{name}' is not in this registry")
        facts = facts_for(registry, package, actor)
        # Whoever may not see a private package is told it does not exist, whatever they send;
        # everything but a star needs a writer, even when it would change nothing.
        enforce(can(actor, PACKAGE_READ if star else PACKAGE_WRITE, facts), not_found(name))
        if expected_rev is not None and expected_rev != rev_string(package):
            raise ConcurrentModificationError(
                f"{name} changed since you read it (your _rev {expected_rev} is stale)"
            )
        versions = registry.packages.list_versions(name)
        updated = compute(package, versions)
        # An unchanged package is answered, not rewritten, nor checked: the rules are about
        # changes (a copy's document may lack what a person's change must keep, such as `latest`).
        changed = updated is not package
        if changed:
            commit_change(
                registry.packages, package, updated, versions, actor.name, writers_of(facts)
            )
        after_write(registry, updated, versions, changed=changed, base_url=base_url)
        return updated

    # With a client _rev the first conflict is final (its rev is stale now); without, retry.
    if expected_rev is not None:
        return attempt()
    # A star needs only read access: it waits for the package's turn but never takes it, or
    # anyone who may read could hold the package's writers back (turns.py).
    return with_retries(attempt, Turns(registry.ephemeral, name, may_take=not star))


def commit_change(  # noqa: PLR0913 - the last two are keyword-only options
    packages: PackageStore,
    package: PackageRecord,
    updated: PackageRecord,
    versions: list[VersionRecord],
    actor: str | None,
    writers: frozenset[str] | None = None,
    *,
    announce: bool = True,
) -> None:
    """Check `updated` against the rules as a change of `package` by the user named `actor`
    (None: a copy of another registry's), then compare-and-swap it in. `announce`: the write
    carries its events for hooks (an import's are the past, which no hook hears of)."""
    check_transition(view_of(package, versions, writers), view_of(updated, versions), actor)
    events = events_of(package, updated) if announce else ()
    packages.update_package(updated, package.rev, events)
