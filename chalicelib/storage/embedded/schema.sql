-- The embedded backend's schema: every table and index of the SQLite file, as this version of
-- tarbox has them. Every statement is IF NOT EXISTS: a file from an older version gets the tables
-- it lacks from here, then `migrations.py` changes what it already has (a column added since,
-- data to fill in), and `PRAGMA user_version` records how far it has come.
--
-- Every change here also takes a migration appended in `migrations.py` (a file at the last
-- version never reads this file again): for a new table or index one that does nothing more, for
-- a changed table one that brings old files to it (tests/unit/storage/embedded/test_schema.py
-- checks that an old file and a new one end up the same).

-- --- packages --------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS packages (
    name TEXT PRIMARY KEY,
    lower_name TEXT NOT NULL UNIQUE,  -- names differing only by case cannot coexist
    rev INTEGER NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS dependencies (
    dependency TEXT NOT NULL,
    dependent TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (dependency, dependent, version));
CREATE TABLE IF NOT EXISTS maintainers (
    user TEXT NOT NULL, package TEXT NOT NULL, PRIMARY KEY (user, package));
-- The change log: AUTOINCREMENT, so a seq is never reused, even after the last row goes.
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    rev INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    time TEXT NOT NULL,
    events TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0);  -- added by migration 1 on older files
-- The log's one head row: its epoch and the package counts, kept in each write's transaction.
CREATE TABLE IF NOT EXISTS change_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    doc_count INTEGER NOT NULL,
    doc_del_count INTEGER NOT NULL);

-- --- accounts --------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
-- An expression index, so databases from before `list_tokens` need no migration.
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (json_extract(doc, '$.user'));
CREATE TABLE IF NOT EXISTS scopes (
    scope TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'user');  -- "user" | "org"; added by migration 1 on older files
CREATE TABLE IF NOT EXISTS stars (
    user TEXT NOT NULL, package TEXT NOT NULL, PRIMARY KEY (user, package));

-- --- orgs: members, teams and the teams' grants (an org's scope is a row of `scopes`) ---------

CREATE TABLE IF NOT EXISTS orgs (name TEXT PRIMARY KEY, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS org_members (
    org TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (org, user));
CREATE INDEX IF NOT EXISTS org_members_by_user ON org_members (user);
CREATE TABLE IF NOT EXISTS teams (
    org TEXT NOT NULL, team TEXT NOT NULL, description TEXT NOT NULL,
    PRIMARY KEY (org, team));
CREATE TABLE IF NOT EXISTS team_members (
    org TEXT NOT NULL, team TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY (org, team, user));
CREATE TABLE IF NOT EXISTS team_grants (
    org TEXT NOT NULL, team TEXT NOT NULL, package TEXT NOT NULL, permission TEXT NOT NULL,
    PRIMARY KEY (org, team, package));
CREATE INDEX IF NOT EXISTS team_grants_by_package ON team_grants (package);

-- --- short-lived items (SQLite has no TTL: writes sweep expired rows) -------------------------

CREATE TABLE IF NOT EXISTS ephemeral (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    expires REAL NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (kind, key));
CREATE INDEX IF NOT EXISTS ephemeral_by_expiry ON ephemeral (expires);

-- --- billing: JSON docs with a `version` each write compares and swaps ------------------------

CREATE TABLE IF NOT EXISTS plans (
    scope TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL);

-- --- search: entries, and postings keyed by term so a term's best are one range read ----------

CREATE TABLE IF NOT EXISTS search_entries (
    name TEXT PRIMARY KEY, doc TEXT NOT NULL, terms TEXT NOT NULL, rank REAL NOT NULL,
    access TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0);  -- added by migration 1 on older files
CREATE TABLE IF NOT EXISTS search_postings (
    term TEXT NOT NULL, name TEXT NOT NULL, weight REAL NOT NULL, rank REAL NOT NULL,
    access TEXT NOT NULL, PRIMARY KEY (term, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_postings_by_rank ON search_postings (term, rank DESC, name);

-- --- downloads: (package, day, version) -> count; version '' for the rest of the day ---------

CREATE TABLE IF NOT EXISTS downloads (
    package TEXT NOT NULL, day TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (package, day, version)) WITHOUT ROWID;

-- --- hooks: the hooks, their deliveries (attempts in the doc), the dispatcher's cursor --------

CREATE TABLE IF NOT EXISTS hooks (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
    type TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hooks_by_watch ON hooks (type, name);
CREATE INDEX IF NOT EXISTS hooks_by_owner ON hooks (owner);
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, hook TEXT NOT NULL,
    status TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (status);
CREATE TABLE IF NOT EXISTS hook_cursor (id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL);

-- --- one row per package: advisories, trusted publishers; one per staged version -------------

CREATE TABLE IF NOT EXISTS advisories (package TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trusted_publishers (package TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_versions (id TEXT PRIMARY KEY, package TEXT NOT NULL,
    version TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (package, version));

-- --- the signing keys: one row, the key ring and a version counter ---------------------------

CREATE TABLE IF NOT EXISTS signing_keys
    (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL, version INTEGER NOT NULL);
