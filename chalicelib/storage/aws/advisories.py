"""The AdvisoryStore on DynamoDB: one item per package (`keys.advisories`) holding its
advisories as a JSON list, so an audit of hundreds of packages is a few BatchGetItems. Written
by `tarbox advisories import` (an operator's command): a compare-and-swap on `version` keeps two
imports at once from losing each other's advisories."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, get, model_for, put, translated
from chalicelib.storage.codec import (
    advisories_by_package,
    advisories_from_json,
    advisories_to_json,
    merged_advisories,
)
from chalicelib.storage.records import Advisory

_ATTEMPTS = 5


class AdvisoriesItem(Item):
    doc = UnicodeAttribute()
    version = NumberAttribute()


class DynamoAdvisoryStore:
    def __init__(self, settings: Settings) -> None:
        self._item = model_for(AdvisoriesItem, settings)

    def put_advisories(self, advisories: Sequence[Advisory]) -> None:
        for package, added in advisories_by_package(advisories).items():
            self._put(package, added)

    def _put(self, package: str, added: list[Advisory]) -> None:
        model = self._item
        for _ in range(_ATTEMPTS):
            stored = get(model, *keys.advisories(package))
            before = advisories_from_json(stored.doc) if stored is not None else []
            version = int(stored.version) if stored is not None else 0
            doc = advisories_to_json(merged_advisories(before, added))
            item = model(*keys.advisories(package), doc=doc, version=version + 1)
            unchanged = model.pk.does_not_exist() if stored is None else model.version == version
            if put(item, unchanged):
                return
        raise ConcurrentModificationError(f"the advisories of {package} are being changed")

    def advisories_for(self, names: Sequence[str]) -> dict[str, list[Advisory]]:
        wanted = [keys.advisories(name) for name in sorted(set(names))]
        with translated():
            items = list(self._item.batch_get(wanted))
        return {keys.advisories_package(item.pk): advisories_from_json(item.doc) for item in items}
