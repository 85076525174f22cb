"""The table `ensure_table` creates (the local server's and the tests'): DynamoDB only, so not a
contract case. infra/ must create the deployed table the same way."""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.settings import Settings


def test_the_table_expires_ephemeral_items_by_their_expires_attribute(
    dynamo_settings: Settings,
) -> None:
    client: Any = boto3.client("dynamodb", region_name=dynamo_settings.aws_region)

    ttl = client.describe_time_to_live(TableName=dynamo_settings.table_name)

    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"


def test_legacy_items_really_lack_the_new_attributes(dynamo_settings: Settings) -> None:
    # Guards the legacy writer: the "old items read as defaults" cases must read old items.
    from tests.contract.legacy import DynamoLegacyWriter

    writer = DynamoLegacyWriter(dynamo_settings)
    writer.package("foo")
    writer.user("old")
    writer.token("e" * 128, "old")
    client: Any = boto3.client("dynamodb", region_name=dynamo_settings.aws_region)

    def item(pk: str, sk: str) -> set[str]:
        key = {"pk": {"S": pk}, "sk": {"S": sk}}
        return set(client.get_item(TableName=dynamo_settings.table_name, Key=key)["Item"])

    assert "state" not in item("PKG#foo", "PACKAGE")
    assert not {"updated", "profile", "tfa"} & item("USER#old", "USER")
    assert "details" not in item("TOKEN#" + "e" * 128, "TOKEN")
