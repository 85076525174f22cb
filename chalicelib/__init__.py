"""tarbox: a serverless npm registry."""

__version__ = "0.1.0"  # as in pyproject.toml (tests/api/test_monitoring.py keeps them equal)
