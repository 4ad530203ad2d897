"""Datasets: the registry of named datasets, their embedded files and the release readers.

Nothing is re-exported here on purpose: ``cosmofit.data.registry`` must stay
light (no numpy) for ``cosmofit data list`` and ``--help``, while
``cosmofit.data.loader`` and ``cosmofit.data.formats`` pull in numpy only when
data is actually read.
"""
