"""Upper bounds on every count and size a user can ask for.

A typo such as ``--starts 100000000`` must fail at once with a message naming
the limit, not allocate memory until the machine kills the process. The
limits are far above any sensible run (a profile of 10,000 grid points with
1,000 starts each is already days of work) and only stop runaway requests.
"""

from __future__ import annotations

from cosmofit.errors import UsageError

#: Starts of one optimization, or per grid point / leave-out of a profile or jackknife.
MAX_STARTS = 1000
#: Grid points of a profile.
MAX_GRID_POINTS = 10_000
#: Neighbour sweeps of a profile.
MAX_SWEEPS = 100
#: Workers of a local Dask cluster.
MAX_WORKERS = 256
#: Iterations of one optimizer run.
MAX_ITERATIONS = 1_000_000
#: Random seeds are unsigned 32-bit integers (numpy's legacy seeding range).
MAX_SEED = 2**32 - 1
#: Hours a warm start may look back (about 100 years).
MAX_WARM_START_AGE_HOURS = 1e6
#: Characters in a user dataset name (it becomes file names, which the filesystem limits).
MAX_NAME_LENGTH = 64


def check_count(label: str, value: int, limit: int, *, minimum: int = 1) -> int:
    """``value`` if ``minimum <= value <= limit``, else a one-line UsageError naming the limit."""
    if value < minimum:
        raise UsageError(f"{label} {value} must be at least {minimum}")
    if value > limit:
        raise UsageError(f"{label} {value} is above the limit of {limit:,}; use a smaller value")
    return value
