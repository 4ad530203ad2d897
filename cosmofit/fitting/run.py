"""One optimization, from validated settings to a stored, reproducible result.

The order matters: everything that can be checked without work (names,
roles, bounds) is checked first; datasets are verified as they load; the
store is written only after the optimizer converged to a physical point,
and never in a dry run.
"""

from __future__ import annotations

import math
from datetime import timedelta

from pydantic import BaseModel, Field

from cosmofit.errors import OptimizationError, PhysicsError
from cosmofit.fitting.classify import classify
from cosmofit.fitting.evaluate import PointSummary, count_free_parameters
from cosmofit.fitting.statistics import fit_statistics
from cosmofit.settings import OptimizeSettings

SHORT_TAGS = ("cmb", "bao", "sn")


class WarmStart(BaseModel):
    requested: bool
    used: bool
    reason: str


class OptimizeResult(PointSummary):
    """Everything one optimization produced; ``--json`` prints exactly this."""

    dataset_tag: str
    optimized: list[str]
    fixed: list[str]
    frozen: list[str]
    start: dict[str, float]
    chi2_start: dict[str, float]
    errors: dict[str, float]
    unconstrained: list[str]
    bounds_hit: list[str]
    correlation: dict[str, dict[str, float]] = Field(default_factory=dict)
    converged: bool
    message: str
    improvement: float
    method: str
    nfev: int
    wall_s: float
    starts: list[float]
    spread: float
    warm_start: WarmStart
    run_id: str
    stored: bool
    provenance: dict = Field(default_factory=dict)


def dataset_tag(specs) -> str:
    """Short, stable tag of a dataset combination, e.g. ``cmb+bao+sn``."""
    parts = []
    for spec in specs:
        short = next((a for a in spec.aliases if a in SHORT_TAGS), None)
        parts.append(short or spec.name)
    return "+".join(parts)


def describe_source(entry) -> str:
    """``default`` or ``store:<tag>@<timestamp>`` for a stored parameter entry."""
    if entry.source == "default":
        return "default"
    return f"store:{entry.source}@{entry.timestamp}"


def run_optimization(settings: OptimizeSettings, *, on_start_done=None) -> OptimizeResult:
    """Optimize, estimate errors, and (unless a dry run) update the store and summary."""
    from cosmofit.compute.engine import ComputeOptions
    from cosmofit.compute.objectives import CosmologySource
    from cosmofit.compute.starts import engine_starts
    from cosmofit.data.registry import resolve_datasets
    from cosmofit.fitting.hessian import estimate_errors
    from cosmofit.fitting.optimizer import ParameterOptimizer
    from cosmofit.likelihoods.joint import load_likelihood
    from cosmofit.models.registry import get_model
    from cosmofit.provenance import provenance, utc_now
    from cosmofit.store.schema import new_run_id
    from cosmofit.store.store import OptimizedParameterStore

    started = utc_now()
    model = get_model(settings.model)
    roles = classify(model, settings.optimize, settings.freeze)
    model.check_names(settings.overrides)
    specs = resolve_datasets(settings.datasets)
    tag = dataset_tag(specs)
    warnings: list[str] = []

    # Start values: built-in defaults < store < warm start < --set.
    # A dry run must not even recover a corrupt file on disk: read-only, in memory.
    store = OptimizedParameterStore(settings.store, read_only=settings.dry_run or not settings.save)
    if settings.use_store:
        entries = store.get_model_defaults(model.name)
        start = {name: entries[name].value for name in model.param_names}
        sources = {name: describe_source(entries[name]) for name in model.param_names}
        warnings.extend(store.warnings)
    else:
        start, sources = model.defaults, dict.fromkeys(model.param_names, "default")
    warm = WarmStart(requested=settings.warm_start, used=False, reason="not requested")
    if settings.warm_start:
        values, reason = store.get_warm_start_params(
            model.name, tag, max_age=timedelta(hours=settings.warm_start_max_age_hours)
        )
        warm = WarmStart(requested=True, used=values is not None, reason=reason)
        if values is not None:
            for name in roles.optimized:
                start[name] = values[name]
                sources[name] = "warm-start"
        else:
            warnings.append(f"warm start not used: {reason}")
    for name, value in settings.overrides.items():
        start[name] = value
        sources[name] = "override"
    start = model.complete(start)  # bounds of every start value, before any work

    likelihood = load_likelihood([s.name for s in specs], model, cov_scale=settings.cov_scale)
    first = likelihood.evaluate(start)
    if not first.physical:
        raise PhysicsError(f"the start point of {model.name} is unusable: {first.reason}")

    fixed_values = {n: start[n] for n in model.param_names if n not in roles.optimized}
    optimizer = ParameterOptimizer(
        likelihood.chi2,
        [model.spec(n) for n in roles.optimized],
        fixed_values,
        method=settings.method,
        starts=settings.starts,
        seed=settings.seed,
        tolerance=settings.tolerance,
        max_iterations=settings.max_iterations,
    )
    try:
        with engine_starts(
            CosmologySource(tuple(s.name for s in specs), model.name, settings.cov_scale),
            optimizer,
            ComputeOptions(scheduler=settings.scheduler, workers=settings.workers),
        ) as map_starts:
            outcome = optimizer.run(start, on_start_done=on_start_done, map_starts=map_starts)
    except OptimizationError as error:
        raise OptimizationError(f"{error}; start values kept, nothing stored") from None
    final = {**start, **outcome.best}
    last = likelihood.evaluate(final)
    if not last.physical:
        raise OptimizationError(
            f"the optimizer ended at an unphysical point ({last.reason}); start values kept, "
            "nothing stored"
        )
    if last.total > first.total + 1e-9 * max(1.0, abs(first.total)):
        raise OptimizationError(
            f"the optimizer ended above the start chi2 ({last.total:.6g} > {first.total:.6g}); "
            "start values kept, nothing stored; try --method Nelder-Mead or more --starts"
        )
    estimate = estimate_errors(optimizer.chi2_at, outcome.u_best, optimizer.space.specs, final)
    if estimate.at_bound:
        warnings.append(f"ended on a bound: {', '.join(estimate.at_bound)}")
    if estimate.unconstrained:
        warnings.append(
            f"not constrained by {tag}: {', '.join(estimate.unconstrained)} (no error reported)"
        )
    if settings.starts > 1 and outcome.spread > 1.0:
        warnings.append(
            f"minima of the {settings.starts} starts differ by {outcome.spread:.3g} in chi2"
        )

    run_id = new_run_id()
    for name in roles.optimized:
        sources[name] = f"optimized:{tag}"
    kinds = [c.kind for c in likelihood.components]
    finished = utc_now()
    prov = provenance(
        settings=settings.for_record(),
        dataset_sha256=likelihood.dataset_sha256,
        conventions=likelihood.conventions,
        method=outcome.method,
        options=outcome.options,
        cov_scale=settings.cov_scale,
        started=started,
        finished=finished,
        wall_s=outcome.wall_s,
        nfev=outcome.nfev,
        message=outcome.message,
    )
    result = OptimizeResult(
        model=model.name,
        datasets=likelihood.datasets,
        dataset_tag=tag,
        params=final,
        param_source=sources,
        chi2={**last.by_dataset, "total": last.total},
        n_data=likelihood.n_data,
        n_data_by_dataset=likelihood.n_data_by_dataset,
        derived=likelihood.derived(final),
        statistics=fit_statistics(
            last.total, likelihood.n_data, count_free_parameters(len(roles.optimized), kinds)
        ),
        optimized=roles.optimized,
        fixed=roles.fixed,
        frozen=roles.frozen,
        start=start,
        chi2_start={**first.by_dataset, "total": first.total},
        errors=estimate.errors,
        unconstrained=estimate.unconstrained,
        bounds_hit=estimate.at_bound,
        correlation=estimate.correlation,
        converged=outcome.converged,
        message=outcome.message,
        improvement=first.total - last.total,
        method=outcome.method,
        nfev=outcome.nfev,
        wall_s=outcome.wall_s,
        starts=[s.chi2 if math.isfinite(s.chi2) else -1.0 for s in outcome.starts],
        spread=outcome.spread,
        warm_start=warm,
        run_id=run_id,
        stored=False,
        cov_scale=settings.cov_scale,
        warnings=warnings,
        provenance=prov,
    )
    if not settings.dry_run and settings.save:
        store_result(store, result, settings)
        result.stored = True
        result.warnings.extend(w for w in store.warnings if w not in result.warnings)
    return result


def to_record(result: OptimizeResult, settings: OptimizeSettings):
    from cosmofit.store.schema import OptimizationRecord

    return OptimizationRecord(
        run_id=result.run_id,
        model=result.model,
        dataset_tag=result.dataset_tag,
        datasets=result.datasets,
        timestamp=result.provenance["finished"],
        optimized=result.optimized,
        fixed=result.fixed,
        frozen=result.frozen,
        start=result.start,
        final=result.params,
        chi2_start=result.chi2_start["total"],
        chi2=result.chi2["total"],
        chi2_by_dataset={k: v for k, v in result.chi2.items() if k != "total"},
        errors=result.errors,
        unconstrained=result.unconstrained,
        bounds_hit=result.bounds_hit,
        converged=result.converged,
        message=result.message,
        method=result.method,
        nfev=result.nfev,
        wall_s=result.wall_s,
        cov_scale=result.cov_scale,
        settings=settings.for_record(),
        provenance=result.provenance,
    )


def store_result(store, result: OptimizeResult, settings: OptimizeSettings) -> None:
    """Merge into the store (locked, atomic) and rewrite the optimization summary."""
    from cosmofit.report.summary import write_summary

    store.update_model_defaults(to_record(result, settings))
    write_summary(store)
