"""Changes to a published package: deprecate, owners, stars, unpublish."""
