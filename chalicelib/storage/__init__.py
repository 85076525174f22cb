"""Storage: the ports (`ports/`, one module per port) and the records they take and return
(`records.py`), the codec both backends write records with (`codec.py`), and the adapters, a
folder per backend: `aws/` (DynamoDB + S3), `embedded/` (SQLite + files) and `memory/` (plain dicts
in one process, for tests and trials). Only adapters import SDKs."""
