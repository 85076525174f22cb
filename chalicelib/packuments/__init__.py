"""The npm model of a package: names, versions, dist-tags, the rules of a document, and the full
and abbreviated packuments as npm reads them. Pure: no store is read or written here."""
