"""Profile likelihoods: chi^2 minimised over the other parameters at each value of one.

The work runs as batches of tasks on the compute engine (one task = one start
at one point, see :mod:`cosmofit.compute`):

1. global fit - the profiled parameter free too; start 0 from the start values,
   the others seeded in the box; 1-sigma errors from the Hessian at its best;
2. grid - at each grid value, start 0 is the global best fit and the other
   starts are seeded draws a few sigma around it (each the best of a few
   candidates, all screened with one ``chi2_batch`` call);
3. sweeps - every point is re-minimised from both neighbours' best fits and
   keeps the lower value, pass after pass, until no point improves by more than
   :data:`SWEEP_TOLERANCE` (at most ``sweeps`` passes).

The analysis then measures delta chi^2 against the lowest chi^2 found anywhere
(a grid point that beats the global fit lowers the minimum, and says so),
flags points that break the monotone rise away from the minimum, and finds
where delta chi^2 crosses 1 and 4 on a cubic spline through the other points
(exact for the parabola of a Gaussian likelihood). The objective is any
:class:`~cosmofit.compute.objectives.ObjectiveSource`; :func:`cosmology_request`
builds the request for a model on datasets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cosmofit.compute.engine import ComputeOptions, Engine
from cosmofit.compute.fits import (
    FitBatches,
    ProgressCallback,
    hessian_errors,
    lowest,
    unit_spread,
)
from cosmofit.compute.journal import write_run_report
from cosmofit.compute.objectives import CosmologySource, ObjectiveSource, objective_for
from cosmofit.compute.tasks import Task, TaskResult
from cosmofit.errors import OptimizationError, UsageError
from cosmofit.fitting.hessian import NEAR_BOUND
from cosmofit.fitting.optimizer import METHODS, ScaledSpace
from cosmofit.limits import MAX_GRID_POINTS, MAX_ITERATIONS, MAX_SEED, MAX_STARTS, MAX_SWEEPS
from cosmofit.models.params import ParamSpec
from cosmofit.provenance import utc_now
from cosmofit.store.store import PROFILE_FILE

#: Sweeps stop once no point improves by more than this (chi^2 units).
SWEEP_TOLERANCE = 0.01
#: A point more than this above its outer neighbour breaks monotonicity (chi^2 units).
MONOTONE_TOLERANCE = 0.01
#: A grid point below the global fit by more than this lowers the minimum visibly.
LOWERED_TOLERANCE = 1e-6
LEVELS = {"1sigma": 1.0, "2sigma": 4.0}


class ProfileRequest(BaseModel):
    """What to profile, for any objective."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    source: Any  # an ObjectiveSource
    param: str
    grid: list[float]
    optimize: list[str]  # minimised at every grid point
    start: dict[str, float]  # every parameter; those not optimized stay here
    starts: int = Field(default=2, ge=1, le=MAX_STARTS)
    sweeps: int = Field(default=2, ge=0, le=MAX_SWEEPS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    method: str = "L-BFGS-B"
    tolerance: float = Field(default=1e-10, gt=0)
    max_iterations: int = Field(default=5000, ge=1, le=MAX_ITERATIONS)


class ProfileSettings(BaseModel):
    """``cosmofit profile``'s flags for a model on datasets."""

    model_config = ConfigDict(extra="forbid")

    param: str
    datasets: list[str]
    model: str = "lcdm"
    grid: str
    optimize: list[str] | None = None
    overrides: dict[str, float] = Field(default_factory=dict)
    starts: int = Field(default=2, ge=1, le=MAX_STARTS)
    sweeps: int = Field(default=2, ge=0, le=MAX_SWEEPS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    cov_scale: float = Field(default=1.0, gt=0)


class FailedTask(BaseModel):
    key: str
    value: float | None
    reason: str


class ProfileResult(BaseModel):
    """Everything a profile produced; ``--json`` prints it and ``profile.json`` stores it."""

    param: str
    objective: str
    #: The model and datasets of a cosmology objective (None for other objectives), so a
    #: report can list runs without parsing ``objective``.
    model: str | None = None
    datasets: list[str] | None = None
    #: UTC time the run started (ISO 8601).
    created: str | None = None
    grid: list[float]
    chi2: list[float | None]
    delta_chi2: list[float | None]
    chi2_start: list[float | None]
    chi2_by_dataset: dict[str, list[float | None]]
    nuisance: dict[str, list[float | None]]
    best: float
    chi2_min: float
    chi2_global: float
    lowered_by: float
    global_fit: dict[str, float]
    interval_1sigma: list[float | None]
    interval_2sigma: list[float | None]
    half_widths_1sigma: list[float | None]
    hessian_sigma: float | None
    outliers: list[int]
    failed: list[FailedTask]
    warnings: list[str]
    starts: int
    sweeps_done: int
    tasks: int
    resumed: int
    scheduler: str
    out_dir: str | None
    wall_s: float


# -- requests ---------------------------------------------------------------------------------
def parse_grid(text: str, spec: ParamSpec) -> list[float]:
    """``LO:HI:N`` -> N evenly spaced values, all inside the parameter's bounds."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        low, high, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise UsageError(f"--grid {text!r} is not LO:HI:N, e.g. --grid 0.27:0.33:13") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise UsageError(f"--grid {text!r}: LO must be below HI")
    if n < 3:
        raise UsageError(f"--grid {text!r}: use at least 3 points")
    if n > MAX_GRID_POINTS:
        raise UsageError(
            f"--grid {text!r}: {n:,} points is above the limit of {MAX_GRID_POINTS:,}; use fewer"
        )
    if not (spec.contains(low) and spec.contains(high)):
        raise UsageError(
            f"--grid {text!r} leaves the bounds of {spec.name} {spec.describe_bounds()}"
        )
    return [float(v) for v in np.linspace(low, high, n)]


def cosmology_request(settings: ProfileSettings) -> ProfileRequest:
    """The profile request of ``settings`` (start values: built-in defaults and ``--set``)."""
    from cosmofit.data.registry import resolve_datasets
    from cosmofit.fitting.classify import classify
    from cosmofit.models.registry import get_model

    model = get_model(settings.model)
    spec = model.spec(settings.param)
    if spec.fixed_only:
        raise UsageError(f"{spec.name} is fixed by construction in {model.name}; it has no profile")
    if settings.param in settings.overrides:
        raise UsageError(f"--set {settings.param}=... conflicts with --grid: the grid sets it")
    if settings.optimize is not None and settings.param in settings.optimize:
        raise UsageError(f"{settings.param} is the profiled parameter; leave it out of --params")
    if settings.optimize is None:
        others = [n for n in classify(model, None).optimized if n != settings.param]
    else:
        others = classify(model, settings.optimize).optimized
    others = [n for n in others if n not in settings.overrides]
    if not others:
        raise UsageError("nothing to minimise at each grid point: choose --params")
    datasets = tuple(s.name for s in resolve_datasets(settings.datasets))
    return ProfileRequest(
        source=CosmologySource(datasets, model.name, settings.cov_scale),
        param=settings.param,
        grid=parse_grid(settings.grid, spec),
        optimize=others,
        start=model.complete(settings.overrides),
        starts=settings.starts,
        sweeps=settings.sweeps,
        seed=settings.seed,
    )


def _check(request: ProfileRequest, specs: Mapping[str, ParamSpec]) -> None:
    if not isinstance(request.source, ObjectiveSource):
        raise UsageError("the profile source must provide label, specs() and build()")
    if request.method not in METHODS:
        raise UsageError(f"unknown optimizer method {request.method!r}")
    unknown = [n for n in (request.param, *request.optimize) if n not in specs]
    if unknown:
        raise UsageError(f"{unknown[0]} is not a parameter of {request.source.label}")
    if request.param in request.optimize:
        raise UsageError(f"{request.param} is the profiled parameter; it cannot be minimised too")
    if not request.optimize:
        raise UsageError("nothing to minimise at each grid point")
    missing = [n for n in specs if n not in request.start]
    if missing:
        raise UsageError(f"no start value for {missing[0]}")
    spec = specs[request.param]
    if len(request.grid) < 3 or any(not spec.contains(v) for v in request.grid):
        raise UsageError(f"the grid needs at least 3 values inside {spec.describe_bounds()}")
    if any(b <= a for a, b in zip(request.grid, request.grid[1:], strict=False)):
        raise UsageError("the grid values must increase")


# -- the run ----------------------------------------------------------------------------------
class _Runner:
    """The three phases of one profile."""

    def __init__(self, request: ProfileRequest, batches: FitBatches):
        self.request = request
        self.batches = batches
        self.source = request.source
        self.specs = {s.name: s for s in request.source.specs()}
        self.space = ScaledSpace([self.specs[n] for n in request.optimize])
        self.values: dict[str, float] = {}  # grid value of every task, for the report

    def _tasks(
        self, prefix: str, value: float, fixed: Mapping[str, float], starts: list[np.ndarray]
    ) -> list[Task]:
        names = self.request.optimize
        tasks = [
            self.batches.task(f"{prefix}/{s}", self.source, names, fixed, u0)
            for s, u0 in enumerate(starts)
        ]
        self.values.update((task.key, value) for task in tasks)
        return tasks

    def global_fit(self) -> tuple[TaskResult, dict[str, float], ScaledSpace]:
        """Phase 1: every parameter free, starts across the box."""
        r = self.request
        names = [r.param, *r.optimize]
        space = ScaledSpace([self.specs[n] for n in names])
        fixed = _fixed_part(r.start, names)
        starts = self.batches.starts(self.source, space, r.start, r.starts, point=None)
        tasks = [
            self.batches.task(f"global/{s}", self.source, names, fixed, u0)
            for s, u0 in enumerate(starts)
        ]
        results = self.batches.run("global fit", tasks)
        best = lowest(results.values())
        if best is None:
            reasons = "; ".join(sorted({res.message for res in results.values()}))
            raise OptimizationError(f"the global fit failed from every start ({reasons})")
        return best, {**r.start, **best.params}, space

    def grid(self, best: Mapping[str, float], errors: Mapping[str, float]) -> dict[int, TaskResult]:
        """Phase 2: at each grid value, start 0 at the global best, the others around it."""
        r = self.request
        spread = unit_spread(self.space.specs, best, errors)
        tasks = []
        for i, value in enumerate(r.grid):
            at_point = {**best, r.param: value}
            starts = self.batches.starts(
                self.source, self.space, at_point, r.starts, point=i, spread=spread
            )
            tasks += self._tasks(f"grid/{i}", value, _fixed_part(at_point, r.optimize), starts)
        results = self.batches.run("grid", tasks)
        best_at = {}
        for i in range(len(r.grid)):
            found = lowest(res for key, res in results.items() if key.split("/")[1] == str(i))
            if found is not None:
                best_at[i] = found
        return best_at

    def sweep(self, best_at: dict[int, TaskResult], best: Mapping[str, float]) -> int:
        """Phase 3: re-minimise from the neighbours' best fits; returns the passes run."""
        r = self.request
        for sweep in range(1, r.sweeps + 1):
            tasks, target = [], {}
            for i, value in enumerate(r.grid):
                fixed = _fixed_part({**best, r.param: value}, r.optimize)
                for j in (i - 1, i + 1):
                    neighbour = best_at.get(j)
                    if neighbour is None or _same_fit(best_at.get(i), neighbour):
                        continue
                    u0 = self.space.to_unit(neighbour.params)
                    key = f"sweep{sweep}/{i}/from{j}"
                    tasks.append(self.batches.task(key, self.source, r.optimize, fixed, u0))
                    self.values[key], target[key] = value, i
            if not tasks:
                return sweep - 1
            results = self.batches.run(f"sweep {sweep}", tasks)
            improvement = 0.0
            for key in sorted(results, key=lambda k: (target[k], k)):
                result, i = results[key], target[key]
                current = best_at[i].chi2 if i in best_at else math.inf
                if result.ok and result.chi2 < current:
                    improvement = max(improvement, current - result.chi2)
                    best_at[i] = result
            if improvement <= SWEEP_TOLERANCE:
                return sweep
        return r.sweeps


def run_profile(
    request: ProfileRequest,
    compute: ComputeOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> ProfileResult:
    """Profile ``request.param``; see the module docstring for the phases and the analysis."""
    t0 = time.perf_counter()
    created = utc_now()
    compute = compute or ComputeOptions()
    specs = {s.name: s for s in request.source.specs()}
    _check(request, specs)
    planned = request.starts * (1 + len(request.grid))
    with Engine(compute, planned_tasks=planned) as engine:
        batches = FitBatches(
            engine,
            method=request.method,
            tolerance=request.tolerance,
            max_iterations=request.max_iterations,
            seed=request.seed,
            on_progress=on_progress,
        )
        runner = _Runner(request, batches)
        best_global, best_values, space = runner.global_fit()
        errors = hessian_errors(request.source, space.specs, best_values)
        chi2_start = objective_for(request.source).chi2_batch(
            [{**best_values, request.param: g} for g in request.grid]
        )
        best_at = runner.grid(best_values, errors.errors)
        sweeps_done = runner.sweep(best_at, best_values)
        scheduler = engine.description
        resumed = engine.resumed
    analysis = _analyse(
        request,
        specs,
        best_global,
        best_values,
        errors.errors.get(request.param),
        best_at,
        [_finite(v) for v in chi2_start],
    )
    if request.param in errors.at_bound:
        analysis["warnings"].append(
            f"the global fit rests on a bound of {request.param} "
            f"({best_values[request.param]:g}): no Hessian sigma"
        )
    elif request.param in errors.unconstrained:
        analysis["warnings"].append(f"the Hessian leaves {request.param} unconstrained: no sigma")
    source = request.source
    cosmology = isinstance(source, CosmologySource)
    result = ProfileResult(
        **analysis,
        model=source.model if cosmology else None,
        datasets=list(source.datasets) if cosmology else None,
        created=created,
        failed=[
            FailedTask(key=res.key, value=runner.values.get(res.key), reason=res.message)
            for res in batches.failed
        ],
        starts=request.starts,
        sweeps_done=sweeps_done,
        tasks=batches.n_tasks,
        resumed=resumed,
        scheduler=scheduler,
        out_dir=str(compute.out_dir) if compute.out_dir is not None else None,
        wall_s=time.perf_counter() - t0,
    )
    write_run_report(compute.out_dir, PROFILE_FILE, result)
    return result


# -- analysis ---------------------------------------------------------------------------------
def _analyse(
    request: ProfileRequest,
    specs: Mapping[str, ParamSpec],
    best_global: TaskResult,
    best_values: Mapping[str, float],
    hessian_sigma: float | None,
    best_at: Mapping[int, TaskResult],
    chi2_start: list[float | None],
) -> dict[str, Any]:
    """The analysis fields of a :class:`ProfileResult`, from the best fit at each point."""
    grid = np.asarray(request.grid)
    n = grid.size
    chi2 = np.array([best_at[i].chi2 if i in best_at else np.nan for i in range(n)], dtype=float)
    chi2_global = float(best_global.chi2)
    finite = np.isfinite(chi2)
    chi2_min = min(chi2_global, float(np.min(chi2[finite]))) if finite.any() else chi2_global
    lowered_by = chi2_global - chi2_min
    delta = chi2 - chi2_min
    warnings: list[str] = []
    outliers = non_monotone(delta)
    keep = finite & ~np.isin(np.arange(n), outliers)
    x, y = list(grid[keep]), list(delta[keep])
    best = float(best_values[request.param])
    if lowered_by > LOWERED_TOLERANCE:
        at = int(np.nanargmin(chi2))
        warnings.append(
            f"the grid point {request.param}={grid[at]:g} beats the global fit by "
            f"{lowered_by:.4g}; the minimum is lowered to {chi2_min:.6g}"
        )
        best = spline_minimum(x, y, float(grid[at]))
    else:
        # The global fit is a point of the profile too (delta chi2 = 0 there): it becomes a
        # spline node unless it sits on a grid point already.
        gap = min((abs(v - best) for v in x), default=math.inf)
        if grid[0] < best < grid[-1] and gap > 1e-9 * (grid[-1] - grid[0]):
            i = int(np.searchsorted(x, best))
            x.insert(i, best)
            y.insert(i, 0.0)
    if not grid[0] <= best <= grid[-1]:
        warnings.append(f"the best fit {request.param}={best:.6g} lies outside the grid")
    intervals = {}
    for name, level in LEVELS.items():
        low, high = crossings(x, y, best, level)
        intervals[name] = [low, high]
        for side, value, edge in (("below", low, grid[0]), ("above", high, grid[-1])):
            if value is None:
                warnings.append(_open_interval(specs[request.param], name, level, side, edge))
    warnings.extend(_nuisance_bounds(request, specs, best_at))
    if outliers:
        where = ", ".join(f"{grid[i]:g}" for i in outliers)
        warnings.append(f"non-monotone points left out of the intervals: {request.param}={where}")
    low1, high1 = intervals["1sigma"]
    datasets = list(dict.fromkeys(d for res in best_at.values() for d in res.by_dataset))
    return dict(
        param=request.param,
        objective=request.source.label,
        grid=list(request.grid),
        chi2=[_finite(v) for v in chi2],
        delta_chi2=[_finite(v) for v in delta],
        chi2_start=chi2_start,
        chi2_by_dataset={
            d: [best_at[i].by_dataset.get(d) if i in best_at else None for i in range(n)]
            for d in datasets
        },
        nuisance={
            name: [best_at[i].params.get(name) if i in best_at else None for i in range(n)]
            for name in request.optimize
        },
        best=best,
        chi2_min=chi2_min,
        chi2_global=chi2_global,
        lowered_by=lowered_by,
        global_fit=dict(best_values),
        interval_1sigma=intervals["1sigma"],
        interval_2sigma=intervals["2sigma"],
        half_widths_1sigma=[
            best - low1 if low1 is not None else None,
            high1 - best if high1 is not None else None,
        ],
        hessian_sigma=hessian_sigma,
        outliers=outliers,
        warnings=warnings,
    )


def non_monotone(delta: np.ndarray, tolerance: float = MONOTONE_TOLERANCE) -> list[int]:
    """Points higher than their outer neighbour: away from the minimum a profile only rises.

    An optimizer that missed the minimum at a point leaves it too high, so the
    higher point of a pair that breaks the rise is the one flagged.
    """
    valid = [i for i in range(delta.size) if np.isfinite(delta[i])]
    if len(valid) < 3:
        return []
    lowest = min(valid, key=lambda i: delta[i])
    flagged = []
    for k, i in enumerate(valid):
        if i == lowest:
            continue
        outer = valid[k - 1] if i < lowest and k > 0 else None
        if i > lowest and k + 1 < len(valid):
            outer = valid[k + 1]
        if outer is not None and delta[i] > delta[outer] + tolerance:
            flagged.append(i)
    return flagged


def crossings(
    x: Sequence[float], y: Sequence[float], best: float, level: float
) -> tuple[float | None, float | None]:
    """Where the spline through (x, y) crosses ``level`` nearest to ``best`` on each side."""
    if len(x) < 2:
        return None, None
    from scipy.interpolate import CubicSpline

    roots = CubicSpline(x, y).solve(level, extrapolate=False)
    roots = [float(r) for r in roots if np.isfinite(r)]
    below = [r for r in roots if r < best]
    above = [r for r in roots if r > best]
    return (max(below) if below else None, min(above) if above else None)


def spline_minimum(x: Sequence[float], y: Sequence[float], guess: float) -> float:
    """The minimum of the spline through (x, y) nearest to ``guess`` (``guess`` if none)."""
    if len(x) < 3:
        return guess
    from scipy.interpolate import CubicSpline

    spline = CubicSpline(x, y)
    stationary = [
        float(r) for r in spline.derivative().roots(extrapolate=False) if spline(r, 2) > 0
    ]
    return min(stationary, key=lambda r: abs(r - guess)) if stationary else guess


def _open_interval(spec: ParamSpec, name: str, level: float, side: str, edge: float) -> str:
    bound = spec.bounds[0] if side == "below" else spec.bounds[1]
    if math.isclose(edge, bound, rel_tol=0.0, abs_tol=1e-9 * (spec.bounds[1] - spec.bounds[0])):
        return (
            f"the {name} interval is open {side}: delta chi2 stays under {level:g} up to the "
            f"bound of {spec.name} ({edge:g})"
        )
    return (
        f"the {name} interval is open {side}: delta chi2 stays under {level:g} up to the grid "
        f"edge {spec.name}={edge:g}; widen --grid"
    )


def _nuisance_bounds(
    request: ProfileRequest, specs: Mapping[str, ParamSpec], best_at: Mapping[int, TaskResult]
) -> list[str]:
    out = []
    for name in request.optimize:
        spec = specs[name]
        hits = [
            request.grid[i]
            for i, res in sorted(best_at.items())
            if name in res.params
            and min(spec.to_unit(res.params[name]), 1.0 - spec.to_unit(res.params[name]))
            <= NEAR_BOUND
        ]
        if hits:
            where = ", ".join(f"{v:g}" for v in hits)
            out.append(
                f"{name} rests on a bound {spec.describe_bounds()} at {request.param}={where}"
            )
    return out


def _same_fit(a: TaskResult | None, b: TaskResult) -> bool:
    return a is not None and a.params == b.params


def _fixed_part(values: Mapping[str, float], optimized: Sequence[str]) -> dict[str, float]:
    return {n: v for n, v in values.items() if n not in optimized}


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
