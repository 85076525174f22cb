"""Provenance: the sigstore bundle a `--provenance` publish sends, kept and served to npm."""
