"""tarbox: a serverless npm registry."""

__version__ = "0.1.0"
