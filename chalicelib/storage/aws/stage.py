"""The StageStore on DynamoDB (keys in `keys.py`): a staged version (JSON `doc`) under its package,
one per version, so a second staging of it fails its condition, and a copy under its id, for
reading it by the id npm is given. Both are written, and removed, in one transaction.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.errors import VersionExistsError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, commit, get, model_for, query_prefix, table_for
from chalicelib.storage.codec import staged_from_json, staged_to_json
from chalicelib.storage.records import StagedVersion


class StagedItem(Item):
    doc = UnicodeAttribute()


class DynamoStageStore:
    def __init__(self, settings: Settings) -> None:
        self._m = model_for(StagedItem, settings)
        self._t = table_for(settings)

    def _copies(self, staged: StagedVersion) -> list[StagedItem]:
        doc, m = staged_to_json(staged), self._m
        return [
            m(*keys.staged(staged.package, staged.version), doc=doc),
            m(*keys.staged_by_id(staged.id), doc=doc),
        ]

    def stage(self, staged: StagedVersion) -> None:
        new = self._m.pk.does_not_exist()
        if commit(self._t, [(item, new) for item in self._copies(staged)]) is not None:
            raise VersionExistsError(f"{staged.package}@{staged.version} is staged already")

    def staged(self, id: str) -> StagedVersion | None:
        item = get(self._m, *keys.staged_by_id(id))
        return staged_from_json(item.doc) if item is not None else None

    def staged_versions(self, package: str) -> list[StagedVersion]:
        found = [staged_from_json(i.doc) for i in query_prefix(self._m, keys.staged_pk(package))]
        return sorted(found, key=lambda s: (s.created, s.id))

    def unstage(self, id: str) -> bool:
        staged = self.staged(id)
        if staged is None:
            return False
        # Only while it is there: of two at once, one unstages it.
        there = self._m.pk.exists()
        guarded = [(item, there) for item in self._copies(staged)]
        return commit(self._t, [], guarded_deletes=guarded) is None
