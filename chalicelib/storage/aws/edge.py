"""CloudFront in front of the registry (infra/template.json, `RegistryDistribution`): the
EdgeStore adapter.

- Its URL and id come from an SSM parameter the stack writes (the function cannot be given them
  in its environment: the distribution's origin is the API, whose integration is the function,
  so that reference would be a cycle). Read on first use and kept for a few minutes.
- Public copies of tarballs live in the blob bucket at their URL's path under `public/`, the
  distribution's S3 origin path: `/{name}/-/{file}` is `public/{name}/-/{file}`. Only that
  prefix is readable by the distribution; any other path there is a 403, on which it asks the API.
- Access logs: CloudFront's standard logs, gzipped, in the log bucket under `cdn/`.

boto3 is imported inside functions, as in blobs.py: most requests never call these.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.aws.blobs import s3_client

PUBLIC_PREFIX = "public/"
LOG_PREFIX = "cdn/"
CACHE_SECONDS = 300.0
# A public copy is the same bytes as its tarball, for good.
PUBLIC_COPY_CACHE = "public, max-age=31536000, immutable"
logger = logging.getLogger("tarbox")


@dataclass(frozen=True)
class FrontDoor:
    url: str
    distribution: str


def public_key(name: str, file: str) -> str:
    return f"{PUBLIC_PREFIX}{name}/-/{file}"


class CloudFrontEdge:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._door: tuple[float, FrontDoor] | None = None
        self._clients: dict[str, Any] = {}

    # --- where it is ---------------------------------------------------------------------------

    def url(self) -> str | None:
        try:
            return self._front_door().url
        except StorageUnavailableError:
            return None  # logged; the caller answers with the URL it was asked at

    def _front_door(self) -> FrontDoor:
        with self._lock:
            if self._door is not None and self._door[0] > time.monotonic():
                return self._door[1]
        door = self._read_front_door()
        with self._lock:
            self._door = (time.monotonic() + CACHE_SECONDS, door)
        return door

    def _read_front_door(self) -> FrontDoor:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._settings.edge_parameter or ""
        try:
            value = self._client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
            found = json.loads(value)
            return FrontDoor(str(found["url"]).rstrip("/"), str(found["distribution"]))
        except (BotoCoreError, ClientError, ValueError, KeyError, TypeError) as exc:
            logger.error("the CDN's parameter %s could not be read: %s", name, exc)
            raise StorageUnavailableError("The registry's CDN settings could not be read") from exc

    # --- public copies of tarballs -------------------------------------------------------------

    def shared_files(self, name: str) -> set[str]:
        prefix = public_key(name, "")
        pages = self._call(
            lambda: list(
                self._s3()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self._settings.bucket_name, Prefix=prefix)
            )
        )
        # A scoped name's prefix is not another name's: `public/@s/a/-/` never lists `@s/ab`.
        return {item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", [])}

    def share(self, name: str, file: str, tarball_key: str) -> None:
        bucket = self._settings.bucket_name
        self._call(
            lambda: self._s3().copy_object(
                Bucket=bucket,
                Key=public_key(name, file),
                CopySource={"Bucket": bucket, "Key": tarball_key},
                MetadataDirective="REPLACE",
                ContentType="application/octet-stream",
                CacheControl=PUBLIC_COPY_CACHE,
            )
        )

    def withdraw(self, name: str, file: str) -> None:
        self._call(
            lambda: self._s3().delete_object(
                Bucket=self._settings.bucket_name, Key=public_key(name, file)
            )
        )

    # --- cached answers ------------------------------------------------------------------------

    def invalidate(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        distribution = self._front_door().distribution
        self._call(
            lambda: self._client("cloudfront").create_invalidation(
                DistributionId=distribution,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": list(paths)},
                    "CallerReference": uuid.uuid4().hex,
                },
            )
        )

    # --- access logs ---------------------------------------------------------------------------

    def access_logs(self, limit: int, after: str | None = None) -> list[str]:
        bucket = self._settings.edge_log_bucket
        if not bucket:
            return []
        # Standard log names start with the distribution id and the hour: listed in order.
        listing = {"Bucket": bucket, "Prefix": LOG_PREFIX, "MaxKeys": limit}
        if after is not None:
            listing["StartAfter"] = after
        page = self._call(lambda: self._s3().list_objects_v2(**listing))
        return [item["Key"] for item in page.get("Contents", [])]

    def read_log(self, log: str) -> bytes | None:
        from botocore.exceptions import ClientError

        bucket = self._settings.edge_log_bucket or ""
        try:
            answer = self._call(lambda: self._s3().get_object(Bucket=bucket, Key=log))
        except StorageUnavailableError as exc:
            if isinstance(exc.__cause__, ClientError) and "NoSuchKey" in str(exc.__cause__):
                return None  # counted and deleted by another round meanwhile
            raise
        data: bytes = answer["Body"].read()
        return gzip.decompress(data) if log.endswith(".gz") else data

    def delete_log(self, log: str) -> None:
        bucket = self._settings.edge_log_bucket or ""
        self._call(lambda: self._s3().delete_object(Bucket=bucket, Key=log))

    # --- clients -------------------------------------------------------------------------------

    def _s3(self) -> Any:
        with self._lock:
            if "s3" not in self._clients:
                self._clients["s3"] = s3_client(self._settings)
            return self._clients["s3"]

    def _client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        with self._lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session().client(
                    service,
                    region_name=self._settings.aws_region,
                    endpoint_url=self._settings.aws_endpoint_url,
                    config=Config(retries={"mode": "standard"}, connect_timeout=3, read_timeout=10),
                )
            return self._clients[service]

    @staticmethod
    def _call(call: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailableError(f"The CDN's storage did not answer: {exc}") from exc
