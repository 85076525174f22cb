"""Relations between packages: who depends on whom (the dependents index)."""

from __future__ import annotations

# The fields that make one package need another at install time.
DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def dependency_names(manifest: dict[str, object]) -> list[str]:
    names: set[str] = set()
    for field in DEPENDENCY_FIELDS:
        value = manifest.get(field)
        if isinstance(value, dict):
            names.update(str(k) for k in value)
    return sorted(names)
