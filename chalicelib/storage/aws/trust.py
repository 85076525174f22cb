"""The TrustStore on DynamoDB: one item per package (`keys.trusted_publishers`) holding its
trusted publishers as a JSON list; changes are compare-and-swaps on `version`, so two `npm trust`
commands at once never lose each other's."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.errors import ConcurrentModificationError
from chalicelib.settings import Settings
from chalicelib.storage.aws import keys
from chalicelib.storage.aws.table import Item, get, model_for, put
from chalicelib.storage.codec import trusted_from_json, trusted_to_json
from chalicelib.storage.records import TrustedPublisher

_ATTEMPTS = 5


class TrustItem(Item):
    doc = UnicodeAttribute()
    version = NumberAttribute()


class DynamoTrustStore:
    def __init__(self, settings: Settings) -> None:
        self._item = model_for(TrustItem, settings)

    def trusted_publishers(self, package: str) -> list[TrustedPublisher]:
        stored = get(self._item, *keys.trusted_publishers(package))
        return trusted_from_json(stored.doc) if stored is not None else []

    def add_trusted_publishers(self, package: str, added: Sequence[TrustedPublisher]) -> None:
        self._change(package, lambda stored: [*stored, *added])

    def remove_trusted_publisher(self, package: str, id: str) -> bool:
        removed: list[bool] = []

        def without(stored: list[TrustedPublisher]) -> list[TrustedPublisher]:
            kept = [p for p in stored if p.id != id]
            removed[:] = [len(kept) < len(stored)]
            return kept

        self._change(package, without)
        return removed[0]

    def _change(
        self,
        package: str,
        change: Callable[[list[TrustedPublisher]], list[TrustedPublisher]],
    ) -> None:
        model = self._item
        for _ in range(_ATTEMPTS):
            stored = get(model, *keys.trusted_publishers(package))
            before = trusted_from_json(stored.doc) if stored is not None else []
            version = int(stored.version) if stored is not None else 0
            doc = trusted_to_json(change(before))
            item = model(*keys.trusted_publishers(package), doc=doc, version=version + 1)
            unchanged = model.pk.does_not_exist() if stored is None else model.version == version
            if put(item, unchanged):
                return
        raise ConcurrentModificationError(f"the trusted publishers of {package} are being changed")
