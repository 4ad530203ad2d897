"""One BLAS thread per task process.

Several single-threaded workers on one machine would fight over the cores if
each ran a multi-threaded BLAS, and a fixed thread count keeps results bitwise
reproducible. threadpoolctl limits a BLAS that is already loaded; without it the
standard environment variables are set, which reach only BLAS libraries loaded
later (Dask sets the same variables for the worker processes it spawns).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_process_pinned = False


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS limited to one thread inside the block, restored afterwards."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
        os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        return
    import numpy  # noqa: F401  (threadpoolctl only sees a BLAS that is loaded)

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def pin_process_blas() -> None:
    """Limit BLAS to one thread for the rest of this process (a worker's first task calls it)."""
    global _process_pinned
    if _process_pinned:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    else:
        import numpy  # noqa: F401

        threadpool_limits(limits=1, user_api="blas")
    _process_pinned = True
