"""Secrets from settings (the environment): the embedded backend's SecretStore."""

from __future__ import annotations

from chalicelib.settings import Settings
from chalicelib.storage.codec import split_secrets


class ConfiguredSecrets:
    def __init__(self, settings: Settings) -> None:
        self._webhook = split_secrets(settings.stripe_webhook_secret)

    def billing_webhook_secrets(self) -> list[str]:
        return list(self._webhook)

    def cdn_signing_key(self) -> str | None:
        return None  # the embedded backend streams tarballs itself
