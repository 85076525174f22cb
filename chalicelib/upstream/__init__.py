"""A read-through cache of other registries (issue 15): packages this registry does not have are
fetched from the upstream their name is routed to, kept, and served as this registry's own."""
