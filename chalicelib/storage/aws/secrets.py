"""Secrets from AWS Secrets Manager (infra/ creates them; operators set their values).

Each secret is read on first use and kept for a few minutes, so a rotated value reaches every
warm Lambda within that time without a redeploy, and most requests cost no call.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from chalicelib.errors import StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.codec import split_secrets

CACHE_SECONDS = 300.0


class SecretsManagerSecrets:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[float, str]] = {}
        self._client: Any = None

    def billing_webhook_secrets(self) -> list[str]:
        arn = self._settings.stripe_webhook_secret_arn
        if not arn:
            return split_secrets(self._settings.stripe_webhook_secret)
        return split_secrets(self._value(arn))

    def cdn_signing_key(self) -> str | None:
        arn = self._settings.cdn_signing_key_secret
        return self._value(arn) if arn else None

    def _value(self, arn: str) -> str:
        with self._lock:
            cached = self._cached.get(arn)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
        value = self._fetch(arn)
        with self._lock:
            self._cached[arn] = (time.monotonic() + CACHE_SECONDS, value)
        return value

    def _fetch(self, arn: str) -> str:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        with self._lock:
            if self._client is None:
                self._client = boto3.session.Session().client(
                    "secretsmanager",
                    region_name=self._settings.aws_region,
                    endpoint_url=self._settings.aws_endpoint_url,
                )
            client = self._client
        try:
            answer = client.get_secret_value(SecretId=arn)
        except (BotoCoreError, ClientError) as exc:
            # The answer may reach anonymous clients: the ARN and AWS's words go to the log.
            logging.getLogger("tarbox").error("secret %s could not be read: %s", arn, exc)
            raise StorageUnavailableError("The registry's secrets could not be read") from exc
        return str(answer.get("SecretString") or "")
