"""Copying another registry into this one: `tarbox mirror` (following its changes feed), and
`tarbox export` / `tarbox import`."""
