"""The AWS backend: the storage ports on DynamoDB (pynamodb; one table), S3, CloudFront and
Secrets Manager (boto3).

Item layout (pk / sk):
    PKG#<name>         PACKAGE             the package item (dist-tags, maintainers, rev, times,
                                           meta, and `state`: stars, deprecations, unpublishes,
                                           tombstone)
    PKG#<name>         VER#<version>       one item per version, so no item nears the 400 KB limit
    NAME#<lower name>  NAME                the name claim: names differing only by case cannot
                                           coexist
    DEPS#<dependency>  <dependent>#<ver>   dependent@ver depends on dependency ('#' cannot appear
                                           in an npm name or a semver version)
    USER#<name>        USER                an account
    USER#<name>        TOKEN#<sha512 hex>  a copy of each of the user's tokens, for list_tokens
    USER#<name>        STAR#<package>      the user starred the package (`npm stars`)
    TOKEN#<sha512 hex> TOKEN               a token, keyed by its hash (the value is never stored)
    SCOPE#<scope>      SCOPE               who owns a scope, and whether a user or an org
    ORG#<org>          ORG, MEMBER#…,      an org, its members, teams and team members
                       TEAM#…, TEAMMEMBER#…
    USER#<name>        ORGOF#<org>         a copy of each membership, for orgs_of (details in
                                           `orgs.py`)
    EPH#<kind>#<key>   EPH                 a short-lived item; `expires` is the table's TTL
    SCOPEPKG#<scope>   <name>              a package created in the scope (written with it)
    USER#<name>        MAINTAINS#<package> the user maintains the package (derived; the package
                                           item's maintainers are the truth)
    PLAN#<scope>, STRIPESUB#<id>           plans and subscriptions (`billing.py`)
    CHANGES            HEAD, SEQ#<seq>     the change log, written in each package write's
                                           transaction (`changes.py`)

Tokens are listed without a secondary index: `put_token` writes the TOKEN# item (what a request
authenticates against) and the user's copy in one transaction, and `delete_token` reads the token
for its owner and removes both in one transaction. Tokens written before the copies existed are
still valid but are not listed.

JSON-shaped fields (manifest, meta, dist-tags, maintainers, state, profile, details) are stored as
JSON strings: any manifest round-trips exactly, with none of DynamoDB's rules on empty sets or
number precision. Attributes added after the first release are nullable, and items without them
read as the defaults. Every write that must not lose a race is conditional; nothing here does
check-then-act.

Modules: `table` (models, table binding, write helpers), then one store per port, named as the
port is (`packages`, with the change log in `changes`; `accounts`, `orgs`, `search`, …), `blobs`
(S3), `signed_urls` (CloudFront's signed URLs for blobs), `edge` (CloudFront in front of the
registry), `secrets` and `signing_keys` (Secrets Manager).
"""
