"""The AWS backend: the storage ports on DynamoDB (pynamodb; one table), S3, CloudFront and
Secrets Manager (boto3).

Every key of the table, and what each item is, is in `keys.py`: the one map of the table.

JSON-shaped fields (manifest, meta, dist-tags, maintainers, state, profile, details) are stored as
JSON strings: any manifest round-trips exactly, with none of DynamoDB's rules on empty sets or
number precision. Attributes added after the first release are nullable, and items without them
read as the defaults. Every write that must not lose a race is conditional; nothing here does
check-then-act.

Modules: `table` (models, table binding, write helpers), `keys` (the key map), then one store per
port, named as the port is (`packages`, with the change log in `changes`; `accounts`, `orgs`,
`search`, …), `blobs` (S3), `signed_urls` (CloudFront's signed URLs for blobs), `edge`
(CloudFront in front of the registry), `secrets` and `signing_keys` (Secrets Manager).
"""
