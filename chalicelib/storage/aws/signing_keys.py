"""The AWS SigningKeyStore: the key ring is one Secrets Manager secret (infra/ makes it, holding
no keys; the first request that signs adds the first key).

Compare-and-swap on a secret: each new value is put with a ClientRequestToken derived from the
VersionId it replaces. Two writers that read the same version send the same token with different
values, and Secrets Manager refuses the second (a version cannot be changed once made), so the
loser reads the winner's keys instead of overwriting them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from chalicelib.errors import ConflictError, StorageUnavailableError
from chalicelib.settings import Settings
from chalicelib.storage.codec import signing_keys_from_json, signing_keys_to_json
from chalicelib.storage.records import KeyRing, SigningKey

_TOKENS = uuid.UUID("5f2d0c3e-8a59-4c1e-9a57-2b0f1c7e9d41")  # namespace of our request tokens


class SecretsManagerSigningKeyStore:
    def __init__(self, settings: Settings, secret: str) -> None:
        self._settings = settings
        self._secret = secret
        self._client: Any = None

    def load(self, *, fresh: bool = False) -> KeyRing:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._sm().get_secret_value(SecretId=self._secret)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return KeyRing((), None)
            raise _unavailable(self._secret, exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(self._secret, exc) from exc
        text = str(answer.get("SecretString") or "")
        return KeyRing(signing_keys_from_json(text), str(answer["VersionId"]))

    def save(self, keys: Sequence[SigningKey], expected_version: str | None) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        value = signing_keys_to_json(keys)
        token = str(uuid.uuid5(_TOKENS, f"after {expected_version or 'nothing'}"))
        try:
            if expected_version is None:
                self._sm().create_secret(
                    Name=self._secret, SecretString=value, ClientRequestToken=token
                )
            else:
                self._sm().put_secret_value(
                    SecretId=self._secret, SecretString=value, ClientRequestToken=token
                )
        except ClientError as exc:
            if _code(exc) == "ResourceExistsException":
                raise ConflictError("The signing keys were changed by another writer") from exc
            raise _unavailable(self._secret, exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(self._secret, exc) from exc

    def _sm(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.session.Session().client(
                "secretsmanager",
                region_name=self._settings.aws_region,
                endpoint_url=self._settings.aws_endpoint_url,
            )
        return self._client


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _unavailable(secret: str, exc: Exception) -> StorageUnavailableError:
    # The answer may reach anonymous clients: the secret's name and AWS's words go to the log.
    logging.getLogger("tarbox").error("signing keys %s could not be read: %s", secret, exc)
    return StorageUnavailableError("The registry's signing keys could not be read")
