"""SecretStore: secrets the registry is configured with."""

from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    """Secrets the registry is configured with (Secrets Manager on AWS)."""

    def billing_webhook_secrets(self) -> list[str]:
        """The payment provider's webhook signing secrets; [] when none is configured. Several
        while one is being rotated."""

    def cdn_signing_key(self) -> str | None:
        """The PEM private key CloudFront URLs are signed with; None without a CDN."""
