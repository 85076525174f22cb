"""`tarbox export` and `tarbox import`: a whole registry to and from a directory."""
