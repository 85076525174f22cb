"""Packuments: names, versions, and the full and abbreviated documents npm reads."""
