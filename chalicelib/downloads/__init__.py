"""Download counts: tarball downloads counted per package, version and day, in batches, and
served in api.npmjs.org's shape."""
