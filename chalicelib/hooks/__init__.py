"""npm hooks: the hooks API (`/-/npm/v1/hooks`, libnpmhook's) and deliveries driven by the
change log."""
