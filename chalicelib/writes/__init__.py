"""The one way a package is written: load, check the rules, compare-and-swap, then the work
every write leaves (rendered documents, search and dependents indexes, the CDN)."""
