"""One BLAS thread per task process.

Several single-threaded workers on one machine would fight over the cores if
each ran a multi-threaded BLAS, and a fixed thread count keeps results bitwise
reproducible. threadpoolctl limits the BLAS library that numpy has loaded
(environment variables would reach only libraries loaded later).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_process_pinned = False


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS limited to one thread inside the block, restored afterwards."""
    import numpy  # noqa: F401  (threadpoolctl only sees a BLAS that is loaded)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def pin_process_blas() -> None:
    """Limit BLAS to one thread for the rest of this process (a worker's first task calls it)."""
    global _process_pinned
    if _process_pinned:
        return
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    _process_pinned = True
