"""The local server: the same Chalice app behind a threaded WSGI server (waitress)."""
