"""Every key of the registry's DynamoDB table: the one map of its partition (pk) and sort (sk) key
formats. The Dynamo stores make and read keys only through this module.

The strings are the stored data: deployed tables hold items under them, so none may change
(`tests/unit/storage/aws/test_keys.py` pins each one). '#' separates the parts: it cannot appear
in an npm name, a user or org name, or a semver version.

Item layout (pk / sk):
    PKG#<name>               PACKAGE               the package item (dist-tags, maintainers, rev,
                                                   times, meta, and `state`: stars, deprecations,
                                                   unpublishes, tombstone)
    PKG#<name>               VER#<version>         one item per version, so no item nears the
                                                   400 KB limit
    NAME#<lower name>        NAME                  the name claim: names differing only by case
                                                   cannot coexist
    DEPS#<dependency>        <dependent>#<ver>     dependent@ver depends on dependency
    SCOPEPKG#<scope>         <name>                a package created in the scope (written with it)
    USER#<name>              USER                  an account
    USER#<name>              TOKEN#<sha512 hex>    a copy of each of the user's tokens, for
                                                   list_tokens
    USER#<name>              STAR#<package>        the user starred the package (`npm stars`)
    USER#<name>              MAINTAINS#<package>   the user maintains the package (derived; the
                                                   package item's maintainers are the truth)
    USER#<name>              ORGOF#<org>           a copy of a membership, for orgs_of
    USER#<name>              HOOKOF#<id>           a copy of a hook, for the owner's list
    TOKEN#<sha512 hex>       TOKEN                 a token, keyed by its hash (the value is never
                                                   stored)
    SCOPE#<scope>            SCOPE                 who owns a scope, and whether a user or an org
    ORG#<org>                ORG                   the org
    ORG#<org>                MEMBER#<user>         a member and their role
    ORG#<org>                TEAM#<team>           a team and its description
    ORG#<org>                TEAMMEMBER#<team>#<user>  a member of a team
    ORG#<org>                GRANT#<team>#<package>    a team's permission on a package
    PKGGRANT#<package>       <org>:<team>          a copy of the grant, for package_grants
    EPH#<kind>#<key>         EPH                   a short-lived item; `expires` is the table's TTL
    PLAN#<scope>             PLAN                  a scope's plan
    STRIPESUB#<id>           SUB                   a Stripe subscription as its events described it
    CHANGES                  HEAD                  the change log's head: last seq, epoch, counts
    CHANGES                  SEQ#<12 digits>       one change
    SEARCH#<name>            ENTRY                 a package's search entry (or its removal)
    TERM#<term>              <rank key>#<name>#<rev>   one posting; the rank key sorts best first
                                                   (revision 0: `<rank key>#<name>`)
    DL#<package>             <day>                 the package's downloads that day
    DL#<package>             <day>#<version>       one version's downloads that day
    HOOK#<id>                HOOK                  a hook (JSON `doc`)
    WATCH#<type>#<name>      <id>                  a copy of a hook, for the hooks a change concerns
    DELIVERY#<hook id>       <delivery id>         a delivery and its attempts
    HOOKQUEUE                <delivery id>         a copy of each pending delivery, for the worker
    HOOKCURSOR               CURSOR                the last change-log seq dispatched to hooks
    ADV#<package>            ADVISORIES            the package's security advisories
    TRUST#<package>          TRUST                 the package's trusted publishers
    STAGED#<package>         <version>             a staged version
    STAGE#<id>               STAGE                 a copy of it, for reading it by its id

Functions named after an item give its whole key, (pk, sk); `*_pk` functions give a partition,
which the `*_PREFIX` constants of sort keys divide for range reads; the rest read a part back.
"""

from __future__ import annotations

from chalicelib.storage.codec import check_kind

Key = tuple[str, str]

# --- packages ---------------------------------------------------------------------------------

PACKAGE_SK = "PACKAGE"
VERSION_PREFIX = "VER#"
DEPENDENCY_PREFIX = "DEPS#"
SCOPE_PACKAGES_PREFIX = "SCOPEPKG#"
MAINTAINS_PREFIX = "MAINTAINS#"


def package_pk(name: str) -> str:
    return f"PKG#{name}"


def package(name: str) -> Key:
    return package_pk(name), PACKAGE_SK


def version(name: str, version: str) -> Key:
    return package_pk(name), VERSION_PREFIX + version


def name_claim(name: str) -> Key:
    return f"NAME#{name.lower()}", "NAME"


def dependents_pk(dependency: str) -> str:
    return DEPENDENCY_PREFIX + dependency


def dependency(dependency: str, dependent: str, version: str) -> Key:
    return dependents_pk(dependency), f"{dependent}#{version}"


def scope_packages_pk(scope: str) -> str:
    return f"{SCOPE_PACKAGES_PREFIX}{scope}"


def scope_package(scope: str, name: str) -> Key:
    return scope_packages_pk(scope), name


def maintains(user: str, package: str) -> Key:
    return user_pk(user), MAINTAINS_PREFIX + package


# --- accounts ---------------------------------------------------------------------------------

USER_PREFIX = "USER#"
USER_SK = "USER"
TOKEN_PREFIX = "TOKEN#"  # noqa: S105 (a key name, not a secret)
TOKEN_SK = "TOKEN"  # noqa: S105
STAR_PREFIX = "STAR#"


def user_pk(name: str) -> str:
    return USER_PREFIX + name


def user(name: str) -> Key:
    return user_pk(name), USER_SK


def token(key: str) -> Key:
    return TOKEN_PREFIX + key, TOKEN_SK


def user_token(user: str, key: str) -> Key:
    """The user's copy of a token."""
    return user_pk(user), TOKEN_PREFIX + key


def star(user: str, package: str) -> Key:
    return user_pk(user), STAR_PREFIX + package


def scope(scope: str) -> Key:
    return f"SCOPE#{scope}", "SCOPE"


# --- orgs -------------------------------------------------------------------------------------

ORG_PREFIX = "ORG#"
ORG_SK = "ORG"
MEMBER_PREFIX = "MEMBER#"
TEAM_PREFIX = "TEAM#"
TEAM_MEMBER_PREFIX = "TEAMMEMBER#"
ORG_OF_PREFIX = "ORGOF#"
GRANT_PREFIX = "GRANT#"


def org_pk(org: str) -> str:
    return ORG_PREFIX + org


def org(org: str) -> Key:
    return org_pk(org), ORG_SK


def member(org: str, user: str) -> Key:
    return org_pk(org), MEMBER_PREFIX + user


def org_of(user: str, org: str) -> Key:
    """The user's copy of a membership."""
    return user_pk(user), ORG_OF_PREFIX + org


def team(org: str, team: str) -> Key:
    return org_pk(org), TEAM_PREFIX + team


def team_members_prefix(team: str) -> str:
    return f"{TEAM_MEMBER_PREFIX}{team}#"


def team_member(org: str, team: str, user: str) -> Key:
    return org_pk(org), team_members_prefix(team) + user


def team_grants_prefix(team: str) -> str:
    return f"{GRANT_PREFIX}{team}#"


def team_grant(org: str, team: str, package: str) -> Key:
    return org_pk(org), team_grants_prefix(team) + package


def package_grants_pk(package: str) -> str:
    return f"PKGGRANT#{package}"


def package_grant(package: str, org: str, team: str) -> Key:
    """The package's copy of a team's grant."""
    return package_grants_pk(package), f"{org}:{team}"


# --- short-lived items ------------------------------------------------------------------------

EPHEMERAL_SK = "EPH"


def ephemeral(kind: str, key: str) -> Key:
    check_kind(kind)  # a '#' in the kind would let two kind/key pairs share one key
    return f"EPH#{kind}#{key}", EPHEMERAL_SK


# --- billing ----------------------------------------------------------------------------------

PLAN_PREFIX = "PLAN#"
PLAN_SK = "PLAN"
SUBSCRIPTION_PREFIX = "STRIPESUB#"
SUBSCRIPTION_SK = "SUB"


def plan(scope: str) -> Key:
    return PLAN_PREFIX + scope, PLAN_SK


def plan_scope(pk: str) -> str:
    return pk.removeprefix(PLAN_PREFIX)


def subscription(id: str) -> Key:
    return SUBSCRIPTION_PREFIX + id, SUBSCRIPTION_SK


def subscription_id(pk: str) -> str:
    return pk.removeprefix(SUBSCRIPTION_PREFIX)


# --- the change log ---------------------------------------------------------------------------

LOG_PK = "CHANGES"
HEAD_SK = "HEAD"
SEQ_PREFIX = "SEQ#"
_SEQ_DIGITS = 12
LAST_SEQ = 10**_SEQ_DIGITS - 1  # the highest seq a key can hold


def log_head() -> Key:
    return LOG_PK, HEAD_SK


def change_sk(seq: int) -> str:
    return f"{SEQ_PREFIX}{seq:0{_SEQ_DIGITS}d}"


def change(seq: int) -> Key:
    return LOG_PK, change_sk(seq)


def change_seq(sk: str) -> int:
    return int(sk.removeprefix(SEQ_PREFIX))


# --- search -----------------------------------------------------------------------------------

SEARCH_PREFIX = "SEARCH#"
ENTRY_SK = "ENTRY"
_RANK_SCALE = 10**8


def search_entry(name: str) -> Key:
    return SEARCH_PREFIX + name, ENTRY_SK


def search_entry_name(pk: str) -> str:
    return pk.removeprefix(SEARCH_PREFIX)


def term_pk(term: str) -> str:
    return f"TERM#{term}"


def posting(term: str, rank: float, name: str, rev: int) -> Key:
    """A term's posting of a package: sort keys ascend, so the rank key is the complement of the
    scaled rank, fixed width (best first). Each revision has keys of its own; revision 0 (written
    before revisions) keeps the old ones, without `#<rev>`."""
    rank_key = f"{_RANK_SCALE - round(min(max(rank, 0.0), 1.0) * _RANK_SCALE):09d}#{name}"
    return term_pk(term), (f"{rank_key}#{rev}" if rev else rank_key)


# --- downloads --------------------------------------------------------------------------------

DOWNLOADS_PREFIX = "DL#"


def downloads_pk(package: str) -> str:
    return DOWNLOADS_PREFIX + package


def downloads(package: str, day: str, version: str = "") -> Key:
    """The package's downloads of a day, or (with `version`) one version's of that day."""
    return downloads_pk(package), (f"{day}#{version}" if version else day)


def downloads_package(pk: str) -> str:
    return pk.removeprefix(DOWNLOADS_PREFIX)


def downloads_day(sk: str) -> tuple[str, str]:
    """(day, version) of a downloads item's sort key; version "" for the day's own."""
    day, _, version = sk.partition("#")
    return day, version


def downloads_days(start: str, end: str) -> tuple[str, str]:
    """The sort keys from the first day to the last, both included, with their versions' ("~"
    sorts after every "#<version>" of the last day)."""
    return start, f"{end}~"


# --- hooks ------------------------------------------------------------------------------------

HOOK_PREFIX = "HOOK#"
HOOK_SK = "HOOK"
HOOK_OF_PREFIX = "HOOKOF#"
HOOK_QUEUE_PK = "HOOKQUEUE"


def hook(id: str) -> Key:
    return HOOK_PREFIX + id, HOOK_SK


def hook_of(owner: str, id: str) -> Key:
    """The owner's copy of a hook."""
    return user_pk(owner), HOOK_OF_PREFIX + id


def watch_pk(kind: str, name: str) -> str:
    return f"WATCH#{kind}#{name}"


def watch(kind: str, name: str, id: str) -> Key:
    """The copy of a hook under what it watches."""
    return watch_pk(kind, name), id


def deliveries_pk(hook: str) -> str:
    return f"DELIVERY#{hook}"


def delivery(hook: str, id: str) -> Key:
    return deliveries_pk(hook), id


def queued_delivery(id: str) -> Key:
    return HOOK_QUEUE_PK, id


def hook_cursor() -> Key:
    return "HOOKCURSOR", "CURSOR"


# --- advisories, trusted publishers, staged versions ------------------------------------------

ADVISORIES_PREFIX = "ADV#"


def advisories(package: str) -> Key:
    return ADVISORIES_PREFIX + package, "ADVISORIES"


def advisories_package(pk: str) -> str:
    return pk.removeprefix(ADVISORIES_PREFIX)


def trusted_publishers(package: str) -> Key:
    return f"TRUST#{package}", "TRUST"


def staged_pk(package: str) -> str:
    return f"STAGED#{package}"


def staged(package: str, version: str) -> Key:
    return staged_pk(package), version


def staged_by_id(id: str) -> Key:
    """The copy of a staged version, for reading it by the id npm is given."""
    return f"STAGE#{id}", "STAGE"
