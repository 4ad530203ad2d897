"""The starts of one ``ParameterOptimizer`` as engine tasks (``cosmofit optimize --starts N``).

Usage, where the optimizer's objective is the likelihood ``source`` builds::

    with engine_starts(source, optimizer, ComputeOptions(scheduler="local")) as map_starts:
        outcome = optimizer.run(start, map_starts=map_starts)

``map_starts`` is None when the starts should simply run here (``none``, or
``auto`` with at most four starts), which is the optimizer's own loop. A
start's task builds the same optimizer on the worker and calls
:meth:`~cosmofit.fitting.optimizer.ParameterOptimizer.minimise_from`, so the
outcome is the one the in-process loop would give.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from cosmofit.compute.engine import ComputeOptions, Engine, resolve_scheduler
from cosmofit.compute.objectives import ObjectiveSource
from cosmofit.compute.tasks import Task, TaskResult
from cosmofit.fitting.optimizer import MapStarts, ParameterOptimizer, StartOutcome


def start_task(
    source: ObjectiveSource, optimizer: ParameterOptimizer, index: int, u0: np.ndarray
) -> Task:
    """The task of start ``index``: the optimizer's settings, from ``u0``."""
    return Task(
        key=f"start/{index}",
        source=source,
        names=tuple(optimizer.space.names),
        fixed=dict(optimizer.fixed),
        u0=tuple(float(x) for x in u0),
        method=optimizer.method,
        tolerance=optimizer.tolerance,
        max_iterations=optimizer.max_iterations,
        options=dict(optimizer.extra_options),
    )


def start_outcome(result: TaskResult, start: dict[str, float]) -> StartOutcome:
    """A task result in the optimizer's terms (a failed task is a failed start)."""
    return StartOutcome(
        start=result.start or start,
        final=result.params or start,
        chi2=result.chi2 if result.chi2 is not None else math.inf,
        success=result.ok,
        message=result.message,
        nfev=result.nfev,
        nit=result.nit,
    )


@contextmanager
def engine_starts(
    source: ObjectiveSource, optimizer: ParameterOptimizer, options: ComputeOptions
) -> Iterator[MapStarts | None]:
    """A ``map_starts`` for :meth:`ParameterOptimizer.run`, or None to run the starts here."""
    if resolve_scheduler(options.scheduler, optimizer.n_starts) == "none":
        yield None
        return
    with Engine(options, planned_tasks=optimizer.n_starts) as engine:

        def map_starts(points: list[np.ndarray]) -> Iterator[tuple[int, StartOutcome]]:
            tasks = [start_task(source, optimizer, i, u0) for i, u0 in enumerate(points)]
            index = {task.key: i for i, task in enumerate(tasks)}
            for result in engine.stream(tasks):
                i = index[result.key]
                yield i, start_outcome(result, optimizer.space.from_unit(points[i]))

        yield map_starts
