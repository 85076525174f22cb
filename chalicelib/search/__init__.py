"""`GET /-/v1/search`: npm's search API over an inverted index (`storage.ports.SearchStore`)."""
