"""SsmSecrets: secrets from SSM Parameter Store (a SecureString, decrypted), for AWS.

Read on first use and kept for a few minutes, so a rotated secret reaches every warm Lambda
within that time without a redeploy, and a webhook costs no SSM call on most deliveries.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.errors import StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.secrets import split_secrets

CACHE_SECONDS = 300.0


class SsmSecrets:
    def __init__(self, settings: Settings, parameter: str) -> None:
        self._settings = settings
        self._parameter = parameter
        self._lock = threading.Lock()
        self._cached: tuple[float, list[str]] | None = None

    def billing_webhook_secrets(self) -> list[str]:
        with self._lock:
            if self._cached is not None and self._cached[0] > time.monotonic():
                return list(self._cached[1])
        value = split_secrets(self._fetch())
        with self._lock:
            self._cached = (time.monotonic() + CACHE_SECONDS, value)
        return list(value)

    def _fetch(self) -> str:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        client: Any = boto3.client(
            "ssm",
            region_name=self._settings.aws_region,
            endpoint_url=self._settings.aws_endpoint_url,
        )
        try:
            answer = client.get_parameter(Name=self._parameter, WithDecryption=True)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailableError(
                f"SSM parameter {self._parameter} could not be read: {exc}"
            ) from exc
        return str(answer["Parameter"]["Value"])
