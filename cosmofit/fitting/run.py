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
from cosmofit.fitting.optimizer import retry_advice
from cosmofit.fitting.statistics import dof_warning, fit_statistics
from cosmofit.fitting.validity import early_universe_warning
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
    #: Fixed parameters held at a --set value; stored with the optimum it was conditioned on.
    conditioned_on: list[str] = Field(default_factory=list)
    start: dict[str, float]
    chi2_start: dict[str, float]
    errors: dict[str, float]
    unconstrained: list[str]
    bounds_hit: list[str]
    #: Parameters held by a bound: every quoted error is conditional on them.
    errors_conditional_on: list[str] = Field(default_factory=list)
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


def shared_warm_start(store, model, tag: str, optimized: list[str], own_reason: str):
    """Fallback warm start: the latest converged fit by any other model on the same data.

    Returns ``(values, names, reason)``: the shared optimized parameters of that
    run that lie inside this model's bounds, or ``(None, [], why not)``.
    """
    from cosmofit.models.registry import available_models

    latest = None
    for other in available_models():
        if other == model.name:
            continue
        for record in store.get_optimization_history(other):
            usable = record.kind == "optimization" and record.converged
            if (
                usable
                and record.dataset_tag == tag
                and (latest is None or record.moment > latest.moment)
            ):
                latest = record
    if latest is None:
        return None, [], f"{own_reason}, and no other model was fitted to {tag}"
    names = [
        n
        for n in optimized
        if n in latest.optimized and model.spec(n).contains(latest.final.get(n, float("nan")))
    ]
    if not names:
        return None, [], f"{own_reason}; {latest.model} run {latest.run_id} shares no parameter"
    return (
        {n: latest.final[n] for n in names},
        names,
        f"{own_reason}: started {', '.join(names)} from {latest.model} run {latest.run_id} "
        f"on {tag}",
    )


def conditional_on(at_bound: list[str], unconstrained: list[str]) -> list[str]:
    """Parameters held by a bound (not lying in a flat valley) that errors are conditional on."""
    return [name for name in at_bound if name not in unconstrained]


def degeneracy_notes(kinds: list[str], optimized: list[str]) -> list[str]:
    """What the data cannot measure, said where a user would otherwise read an error bar."""
    notes = []
    if kinds and all(kind == "bao" for kind in kinds):
        absolute = [n for n in ("H0", "Obh2") if n in optimized]
        if absolute:
            notes.append(
                "BAO alone measure H0*r_d (h r_d) and Om0, not H0 or Obh2 separately: "
                f"{' and '.join(absolute)} move along that valley; add cmb or fix Obh2 "
                "(--set Obh2=...) for an absolute scale"
            )
    return notes


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
        names = roles.optimized
        if values is None:
            values, names, reason = shared_warm_start(store, model, tag, roles.optimized, reason)
        warm = WarmStart(requested=True, used=values is not None, reason=reason)
        if values is not None:
            for name in names:
                start[name] = values[name]
                sources[name] = "warm-start"
        else:
            warnings.append(f"warm start not used: {reason}")
    for name, value in settings.overrides.items():
        start[name] = value
        sources[name] = "override"
    start = model.complete(start)  # bounds of every start value, before any work

    names = [s.name for s in specs]
    likelihood = load_likelihood(names, model, cov_scale=settings.cov_scale, exact=settings.exact)
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
            CosmologySource(tuple(names), model.name, settings.cov_scale, settings.exact),
            optimizer,
            ComputeOptions(
                scheduler=settings.scheduler,
                workers=settings.workers,
                worker_timeout=settings.worker_timeout,
            ),
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
            "start values kept, nothing stored; "
            + retry_advice(settings.method, settings.max_iterations)
        )
    estimate = estimate_errors(optimizer.chi2_at, outcome.u_best, optimizer.space.specs, final)
    if estimate.at_bound:
        held = conditional_on(estimate.at_bound, estimate.unconstrained)
        warnings.append(
            f"ended on a bound: {', '.join(estimate.at_bound)}"
            + (
                f"; the errors of {', '.join(estimate.errors)} are conditional on "
                f"{', '.join(held)} at its bound"
                if held and estimate.errors
                else ""
            )
        )
    if estimate.unconstrained:
        warnings.append(
            f"not constrained by {tag}: {', '.join(estimate.unconstrained)} (no error reported)"
        )
    for name, reason in estimate.unconfirmed.items():
        warnings.append(
            f"no error for {name}: {reason}; `cosmofit profile {name} "
            f"{','.join(settings.datasets)} --model {model.name}` gives its interval"
        )
    kinds = [c.kind for c in likelihood.components]
    warnings.extend(degeneracy_notes(kinds, roles.optimized))
    if (early := early_universe_warning(model, final, kinds)) is not None:
        warnings.append(early)
    if settings.starts > 1 and outcome.spread > 1.0:
        warnings.append(
            f"minima of the {settings.starts} starts differ by {outcome.spread:.3g} in chi2"
        )

    statistics = fit_statistics(
        last.total,
        likelihood.n_data,
        count_free_parameters(estimate.rank, kinds),
        n_moved=count_free_parameters(len(roles.optimized), kinds),
    )
    if (note := dof_warning(statistics)) is not None:
        warnings.append(note)
    run_id = new_run_id()
    for name in roles.optimized:
        sources[name] = f"optimized:{tag}"
    # A --set value of a parameter the run does not move conditions the optimum: stored
    # with it (tagged "(--set)"), so the new defaults stay coherent.
    conditioned = [n for n in settings.overrides if n not in roles.optimized]
    if conditioned and settings.save and not settings.dry_run:
        warnings.append(
            f"stored with the --set values it was conditioned on: {', '.join(conditioned)} "
            "(tagged '(--set)' in `cosmofit store show`)"
        )
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
        statistics=statistics,
        optimized=roles.optimized,
        fixed=roles.fixed,
        frozen=roles.frozen,
        conditioned_on=[n for n in model.param_names if n in conditioned],
        start=start,
        chi2_start={**first.by_dataset, "total": first.total},
        errors=estimate.errors,
        unconstrained=estimate.unconstrained,
        bounds_hit=estimate.at_bound,
        errors_conditional_on=conditional_on(estimate.at_bound, estimate.unconstrained)
        if estimate.errors
        else [],
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
        store.update_model_defaults(to_record(result, settings))
        result.stored = True
        summary_problem = refresh_summary(store)
        result.warnings.extend(w for w in store.warnings if w not in result.warnings)
        if summary_problem:
            result.warnings.append(summary_problem)
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
        conditioned_on=result.conditioned_on,
        start=result.start,
        final=result.params,
        chi2_start=result.chi2_start["total"],
        chi2=result.chi2["total"],
        chi2_by_dataset={k: v for k, v in result.chi2.items() if k != "total"},
        errors=result.errors,
        unconstrained=result.unconstrained,
        bounds_hit=result.bounds_hit,
        n_constrained=result.statistics.n_free,
        converged=result.converged,
        message=result.message,
        method=result.method,
        nfev=result.nfev,
        wall_s=result.wall_s,
        cov_scale=result.cov_scale,
        settings=settings.for_record(),
        provenance=result.provenance,
    )


def refresh_summary(store) -> str | None:
    """Rewrite the summary after a stored run; a failure is a warning, never a failed run
    (the record is in the history, and rerunning would only duplicate it)."""
    from cosmofit.errors import CosmofitError
    from cosmofit.report.summary import write_summary

    try:
        write_summary(store)
    except (CosmofitError, OSError) as error:
        return (
            f"the result is stored, but the summary could not be updated ({error}); "
            "`cosmofit report` rebuilds it"
        )
    return None
