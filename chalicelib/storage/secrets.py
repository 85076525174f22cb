"""Secrets from settings (the environment): the embedded backend's SecretStore, and the AWS
one's when no SSM parameter is named."""

from __future__ import annotations

from chalicelib.settings import Settings


def split_secrets(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ConfiguredSecrets:
    def __init__(self, settings: Settings) -> None:
        self._webhook = split_secrets(settings.stripe_webhook_secret)

    def billing_webhook_secrets(self) -> list[str]:
        return list(self._webhook)
