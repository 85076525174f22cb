"""S3 adapter (boto3) for BlobStore: tarballs and rendered documents, by key.

boto3 is imported inside functions: it costs a few hundred milliseconds of cold start, and
many requests (a cached packument, a ping) never touch S3.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chalicelib.errors import StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.records import StoredBlob

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from chalicelib.storage.aws.signed_urls import CloudFrontUrls

# S3 answers a missing key or bucket with one of these codes, depending on the call.
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


def s3_client(settings: Settings) -> BaseClient:
    import boto3
    from botocore.config import Config

    # A fresh Session: boto3's default session is shared and not safe to build clients from
    # concurrently. SigV4 everywhere, so presigned URLs look the same in every region. Short
    # timeouts (botocore's are 60 s) so a stuck call becomes our 503 before API Gateway's 29 s.
    config = Config(
        signature_version="s3v4",
        retries={"mode": "standard"},
        connect_timeout=3,
        read_timeout=10,
    )
    return boto3.session.Session().client(
        "s3",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=config,
    )


def credentials_found() -> bool:
    """Whether boto3 finds credentials (environment, profile, SSO, a role)."""
    import boto3

    return boto3.session.Session().get_credentials() is not None


def _error_code(exc: Exception) -> str:
    response: dict[str, Any] = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _unavailable(exc: Exception) -> StorageUnavailableError:
    return StorageUnavailableError(f"S3 did not answer: {exc}")


def ensure_bucket(settings: Settings) -> None:
    """Create the bucket unless it exists. For the local server and tests; on AWS the bucket
    comes from infra/."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3_client(settings)
    try:
        client.head_bucket(Bucket=settings.bucket_name)
        return
    except ClientError as exc:
        if _error_code(exc) not in _MISSING:
            raise _unavailable(exc) from exc
    except BotoCoreError as exc:
        raise _unavailable(exc) from exc
    _create_bucket(client, settings)


def _create_bucket(client: BaseClient, settings: Settings) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs: dict[str, Any] = {"Bucket": settings.bucket_name}
    if settings.aws_region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
    try:
        client.create_bucket(**kwargs)
    except ClientError as exc:
        if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise _unavailable(exc) from exc
    except BotoCoreError as exc:
        raise _unavailable(exc) from exc


class S3BlobStore:
    """`cdn`: CloudFront in front of the bucket; download URLs are then CloudFront's, signed."""

    def __init__(self, settings: Settings, cdn: CloudFrontUrls | None = None) -> None:
        self._settings = settings
        self._cdn = cdn
        self._bucket = settings.bucket_name
        self._lock = threading.Lock()
        self._s3: BaseClient | None = None

    @property
    def _client(self) -> BaseClient:
        # Built on first use, once: creating a client reads botocore's service models (slow).
        if self._s3 is None:
            with self._lock:
                if self._s3 is None:
                    self._s3 = s3_client(self._settings)
        return self._s3

    def put(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            body: bytes = response["Body"].read()
        except ClientError as exc:
            if _error_code(exc) == "NoSuchKey":
                return None
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return body

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        # DeleteObject of a missing key succeeds: deleting twice is not an error.
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc

    def list_blobs(self, prefix: str) -> Iterator[StoredBlob]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredBlob(str(item["Key"]), item["LastModified"].timestamp())
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc

    def empty_folders(self) -> list[str]:
        return []  # S3 has keys, not folders

    def delete_folder(self, key: str) -> None:
        return  # nothing to remove: see empty_folders

    def download_url(self, key: str, expires_in: int) -> str | None:
        from botocore.exceptions import BotoCoreError, ClientError

        if self._cdn is not None:
            return self._cdn.url(key, expires_in)
        # Signed locally, no request: the URL works only if the key exists when it is fetched.
        try:
            url: str = self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self._bucket, "Key": key},
                ExpiresIn=expires_in,
            )
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc
        return url

    def local_path(self, key: str) -> str | None:
        return None
