"""Reports built from the store: the optimization summary (and, later, HTML)."""
