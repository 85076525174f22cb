"""Paid private packages: plans, and the payment provider's webhooks that switch them."""
