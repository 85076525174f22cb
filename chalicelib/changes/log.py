"""Reading the whole change log: it names every package this registry ever held."""

from __future__ import annotations

from chalicelib.storage.ports.changes import ChangeLog

_PAGE = 1000


def package_names(changes: ChangeLog) -> list[str]:
    """Every package the log names (fully unpublished ones too), each once, in the order they
    last changed: the list `tarbox reindex` and `tarbox export` walk."""
    names: dict[str, None] = {}
    seq = 0
    while page := changes.changes_since(seq, _PAGE):
        for change in page:
            names.pop(change.name, None)
            names[change.name] = None
        seq = page[-1].seq
    return list(names)
