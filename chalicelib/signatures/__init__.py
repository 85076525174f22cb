"""Registry signatures: the keys npm verifies `dist.signatures` with (`npm audit signatures`)."""
