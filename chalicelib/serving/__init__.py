"""Reads of packages as npm makes them: packuments, version manifests, tarballs, dependents,
each behind the access check every read shares (visibility.py)."""
