"""Trusted publishing: CI workflows that may publish a package with an OIDC ID token instead of
a stored npm token (`npm trust`, and npm's token exchange in CI)."""
