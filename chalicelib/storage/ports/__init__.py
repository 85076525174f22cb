"""The storage ports: what the domain needs from a backend, in npm's words, one module per port
(`packages.PackageStore`, `accounts.AccountStore`, …). The values they take and return are the
records of `chalicelib/storage/records.py`.

Every adapter (DynamoDB + S3 in `chalicelib/storage/aws/`, SQLite + files in
`chalicelib/storage/embedded/`, dicts in `chalicelib/storage/memory/`) passes one contract suite
(`tests/contract/`). Concurrency is part of the contract: creates are conditional, package
updates compare-and-swap `rev`, a name@version is written once, and nothing does check-then-act.
"""
