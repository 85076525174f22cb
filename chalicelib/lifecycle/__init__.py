"""Changes to a published package: dist-tags, deprecate, owners, stars, access, unpublish."""
