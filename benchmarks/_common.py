"""Helpers shared by the benchmark scripts: pinned BLAS threads, medians, a baseline.

The machines these run on are shared and noisy, so every script reports
medians and a 1590x1590 matrix-vector product timed in the same run: compare
ratios to the baseline, not raw milliseconds, across runs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager


@contextmanager
def pinned_blas(threads: int = 1):
    """Limit BLAS to ``threads`` and print which kernel is running."""
    import numpy  # noqa: F401  (BLAS must be loaded for threadpoolctl to see it)
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                print(
                    f"BLAS: {pool.get('internal_api')} {pool.get('version')} "
                    f"kernel={pool.get('architecture')} threads={pool.get('num_threads')}"
                    f" OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
                )
        yield


def median_seconds(func: Callable[[], object], *, repeat: int = 300, warmup: int = 10) -> float:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def baseline_matvec_ms(n: int = 1590) -> float:
    """Median time of one n x n float64 matrix-vector product, the machine's yardstick."""
    import numpy as np

    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((n, n))
    vector = rng.standard_normal(n)
    return 1e3 * median_seconds(lambda: matrix @ vector)
