"""Storage ports (`ports.py`) and their adapters. Only adapters import SDKs."""
