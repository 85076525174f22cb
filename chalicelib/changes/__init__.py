"""The change log's readers: the CouchDB-style changes feed (`_changes`, `GET /`) and the events
each write records for npm hooks."""
