"""The local server: the same Chalice app under granian, in worker processes (`tarbox serve`)."""
