"""The front door as infra/template.json makes it, in moto: a CloudFront distribution (for its id,
which invalidations name) and the SSM parameter the functions read its URL and id from."""

from __future__ import annotations

import json
from typing import Any

import boto3


def a_front_door(parameter: str, url: str | None = None, **aws: Any) -> dict[str, str]:
    """Returns the parameter's value: {"url": …, "distribution": …}. `url`: where the front door
    answers (by default the distribution's own https name); `aws`: boto3 client arguments (a
    moto server's endpoint and keys; none for moto in process)."""
    aws = {"region_name": "us-east-1", **aws}
    made = boto3.client("cloudfront", **aws).create_distribution(
        DistributionConfig={
            "CallerReference": parameter,
            "Comment": "front door",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "api",
                        "DomainName": "abc.execute-api.us-east-1.amazonaws.com",
                        "CustomOriginConfig": {
                            "HTTPPort": 80,
                            "HTTPSPort": 443,
                            "OriginProtocolPolicy": "https-only",
                        },
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "https-only"},
        }
    )["Distribution"]
    door = {"url": url or f"https://{made['DomainName']}", "distribution": made["Id"]}
    boto3.client("ssm", **aws).put_parameter(Name=parameter, Value=json.dumps(door), Type="String")
    return door
