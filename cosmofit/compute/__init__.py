"""Distributed work: many independent local optimizations, run anywhere, recorded as they end.

One *task* is one local optimization (one start at one grid point). Tasks carry
a small recipe of their objective (:mod:`~cosmofit.compute.objectives`), run in
this process or on a Dask cluster (:mod:`~cosmofit.compute.backends`), and each
result is appended to ``results.jsonl`` the moment it arrives
(:mod:`~cosmofit.compute.journal`), so an interrupted run resumes where it
stopped (:mod:`~cosmofit.compute.engine`). Dask is imported only when a cluster
is actually used.
"""
