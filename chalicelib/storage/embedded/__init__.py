"""The embedded backend: the storage ports on one SQLite file (`database.py`) and plain files for
blobs (`blobs.py`), for `tarbox serve` on one machine.

Modules: `database` (the file, its connections and transactions), `schema.sql` (every table and
index) and `migrations` (how a file comes to that schema, by `PRAGMA user_version`), then one
store per port, named as the port is (`packages`, `accounts`, `orgs`, `search`, …), `blobs`
(files under a root) and `secrets` (from the settings).
"""
