"""Multi-start local fits as batches of tasks: the building block of profiles and jackknifes.

:class:`FitBatches` turns "minimise these parameters from these starts" into
tasks with stable keys, runs each batch on an :class:`~cosmofit.compute.engine.Engine`
with progress reports, and keeps every failed task for the final report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from cosmofit.compute.engine import Engine
from cosmofit.compute.objectives import ObjectiveSource, objective_for
from cosmofit.compute.seeding import draw_around, draw_in_box, pick_lowest, start_rng
from cosmofit.compute.tasks import Task, TaskResult
from cosmofit.fitting.hessian import ErrorEstimate, estimate_errors
from cosmofit.fitting.optimizer import ParameterOptimizer, ScaledSpace
from cosmofit.models.params import ParamSpec

#: ``on_progress(phase, done, total)``
ProgressCallback = Callable[[str, int, int], None]

#: Seeded starts are drawn this many (Hessian) sigma around their centre ...
SPREAD_SIGMAS = 2.0
#: ... or this fraction of the box for parameters without a Hessian error.
DEFAULT_SPREAD = 0.1


class FitBatches:
    """Builds, seeds and runs the tasks of one run, and remembers the failed ones."""

    def __init__(
        self,
        engine: Engine,
        *,
        method: str = "L-BFGS-B",
        tolerance: float = 1e-10,
        max_iterations: int = 5000,
        seed: int = 0,
        on_progress: ProgressCallback | None = None,
    ):
        self.engine = engine
        self.method = method
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.seed = seed
        self.on_progress = on_progress or (lambda *_: None)
        self.failed: list[TaskResult] = []
        self.n_tasks = 0

    def task(
        self,
        key: str,
        source: ObjectiveSource,
        names: Sequence[str],
        fixed: Mapping[str, float],
        u0: Iterable[float],
    ) -> Task:
        return Task(
            key=key,
            source=source,
            names=tuple(names),
            fixed=dict(fixed),
            u0=tuple(float(x) for x in u0),
            method=self.method,
            tolerance=self.tolerance,
            max_iterations=self.max_iterations,
        )

    def starts(
        self,
        source: ObjectiveSource,
        space: ScaledSpace,
        base: Mapping[str, float],
        n: int,
        *,
        point: int | None,
        spread: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        """Start 0 is ``base``; the others are seeded by (seed, point, start).

        With ``spread`` the others are drawn around ``base``, otherwise across the
        box; each is the lowest-chi^2 of a few candidates (one batched evaluation).
        Starts with no finite candidate are dropped.
        """
        center = space.to_unit(base)
        draws = []
        for s in range(1, n):
            rng = start_rng(self.seed, point, s)
            if spread is None:
                draws.append(draw_in_box(rng, center.size))
            else:
                draws.append(draw_around(rng, center, spread))
        if not draws:
            return [center]
        objective = objective_for(source)
        chosen = pick_lowest(
            draws,
            lambda rows: objective.chi2_batch([{**base, **space.from_unit(u)} for u in rows]),
        )
        return [center, *(u for u in chosen if u is not None)]

    def run(self, phase: str, tasks: list[Task]) -> dict[str, TaskResult]:
        """Run one batch, reporting progress; returns the results by task key."""
        done = 0
        self.on_progress(phase, 0, len(tasks))

        def count(_: TaskResult) -> None:
            nonlocal done
            done += 1
            self.on_progress(phase, done, len(tasks))

        results = self.engine.run(tasks, on_result=count)
        self.n_tasks += len(tasks)
        self.failed.extend(results[key] for key in sorted(results) if not results[key].ok)
        return results


def lowest(results: Iterable[TaskResult]) -> TaskResult | None:
    """The successful result with the lowest chi^2 (ties broken by key, for determinism)."""
    ok = [r for r in results if r.ok and r.chi2 is not None]
    return min(ok, key=lambda r: (r.chi2, r.key)) if ok else None


def hessian_errors(
    source: ObjectiveSource, specs: Sequence[ParamSpec], best: Mapping[str, float]
) -> ErrorEstimate:
    """Hessian 1-sigma errors of ``specs`` at ``best`` (here: a few hundred chi^2 calls)."""
    names = {s.name for s in specs}
    fixed = {n: v for n, v in best.items() if n not in names}
    optimizer = ParameterOptimizer(objective_for(source).chi2, specs, fixed)
    u_best = optimizer.space.to_unit(best)
    return estimate_errors(optimizer.chi2_at, u_best, optimizer.space.specs, dict(best))


def unit_spread(
    specs: Sequence[ParamSpec], values: Mapping[str, float], errors: Mapping[str, float]
) -> np.ndarray:
    """Per-axis start spread in unit-box coordinates: a few Hessian sigma, capped."""
    out = []
    for spec in specs:
        sigma = errors.get(spec.name)
        if sigma is None or not math.isfinite(sigma) or sigma <= 0:
            out.append(DEFAULT_SPREAD)
            continue
        low, high = spec.bounds
        if spec.scale == "log":
            value = values[spec.name]
            width = sigma / (value * math.log(10.0) * (math.log10(high) - math.log10(low)))
        else:
            width = sigma / (high - low)
        out.append(min(SPREAD_SIGMAS * width, DEFAULT_SPREAD))
    return np.array(out)
