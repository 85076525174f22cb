"""Relations between packages: who depends on whom (the dependents index)."""

from __future__ import annotations

# The fields that make one package need another at install time.
DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def dependency_names(manifest: dict[str, object]) -> list[str]:
    names: set[str] = set()
    for field in DEPENDENCY_FIELDS:
        value = manifest.get(field)
        if isinstance(value, dict):
            names.update(_real_name(str(k), v) for k, v in value.items())
    return sorted(names)


def _real_name(name: str, spec: object) -> str:
    """`"alias": "npm:real@^1"` depends on `real` (npm-package-arg's alias specs)."""
    if isinstance(spec, str) and spec.startswith("npm:"):
        target = spec[4:]
        at = target.find("@", 1)  # past a scope's leading @
        return target[:at] if at > 0 else target
    return name
