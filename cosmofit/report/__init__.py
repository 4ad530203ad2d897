"""Reports built from the store: the optimization summary, its HTML page and their check.

``summary`` builds the versioned JSON document; ``generate`` writes it and,
on request, the self-contained page rendered by ``html`` with figures from
``plots``; ``verify`` checks a page against its summary.
"""
