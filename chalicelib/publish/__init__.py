"""Publishing: reading npm's PUT body, checking the tarball, storing a new version."""
