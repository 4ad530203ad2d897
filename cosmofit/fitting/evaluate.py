"""``cosmofit fit``: evaluate a model on datasets at its current defaults.

Current defaults are the store's optimized values where there are any (with
their provenance) and the built-in values otherwise; ``--set`` overrides
both. The chi^2 at the built-in defaults is reported alongside, so the user
sees whether the stored optimization helps these datasets.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from cosmofit.errors import PhysicsError
from cosmofit.fitting.statistics import FitStatistics, fit_statistics
from cosmofit.settings import FitSettings

#: Where a parameter value came from, as reported in ``param_source``.
SOURCE_DEFAULT = "default"
SOURCE_OVERRIDE = "override"


class PointSummary(BaseModel):
    """What every fit reports about its parameter point; these JSON keys are stable."""

    model: str
    datasets: list[str]
    params: dict[str, float]
    param_source: dict[str, str]
    chi2: dict[str, float]
    n_data: int
    n_data_by_dataset: dict[str, int]
    derived: dict[str, float]
    statistics: FitStatistics
    cov_scale: float
    warnings: list[str] = Field(default_factory=list)


class FitResult(PointSummary):
    """One evaluated fit. ``--json`` prints exactly this object."""

    chi2_builtin: dict[str, float] | None = None
    stored_metadata: dict[str, dict] = Field(default_factory=dict)
    optimization: dict | None = None


def count_free_parameters(n_model_free: int, kinds: list[str]) -> int:
    """Model parameters plus one profiled magnitude offset M per supernova dataset."""
    return n_model_free + sum(1 for kind in kinds if kind == "sn")


def evaluate_fit(settings: FitSettings) -> FitResult:
    """chi^2 per dataset, statistics and derived scales at the current defaults."""
    if settings.optimize is not None:
        return _fit_with_optimization(settings)
    from cosmofit.fitting.run import describe_source
    from cosmofit.likelihoods.joint import load_likelihood
    from cosmofit.models.registry import get_model

    model = get_model(settings.model)
    model.check_names(settings.overrides)
    warnings: list[str] = []
    stored: dict[str, dict] = {}
    params = model.defaults
    sources = dict.fromkeys(model.param_names, SOURCE_DEFAULT)
    if settings.use_store:
        from cosmofit.store.store import OptimizedParameterStore

        store = OptimizedParameterStore(settings.store)
        entries = store.get_model_defaults(model.name)
        warnings.extend(store.warnings)
        for name, entry in entries.items():
            params[name] = entry.value
            sources[name] = describe_source(entry)
            if entry.source != SOURCE_DEFAULT:
                stored[name] = entry.model_dump()
    for name, value in settings.overrides.items():
        params[name] = value
        sources[name] = SOURCE_OVERRIDE
    params = model.complete(params)
    likelihood = load_likelihood(
        settings.datasets, model, cov_scale=settings.cov_scale, exact=settings.exact
    )
    evaluation = likelihood.evaluate(params)
    if not evaluation.physical:
        raise PhysicsError(f"cannot evaluate {model.name}: {evaluation.reason}")
    chi2_builtin = None
    if stored:
        builtin = likelihood.evaluate(model.complete(settings.overrides))
        chi2_builtin = {**builtin.by_dataset, "total": builtin.total}
    kinds = [c.kind for c in likelihood.components]
    from cosmofit.fitting.validity import early_universe_warning

    if (early := early_universe_warning(model, params, kinds)) is not None:
        warnings.append(early)
    n_free = count_free_parameters(len(model.optimizable), kinds)
    return FitResult(
        model=model.name,
        datasets=likelihood.datasets,
        params=params,
        param_source=sources,
        chi2={**evaluation.by_dataset, "total": evaluation.total},
        n_data=likelihood.n_data,
        n_data_by_dataset=likelihood.n_data_by_dataset,
        derived=likelihood.derived(params),
        statistics=fit_statistics(evaluation.total, likelihood.n_data, n_free),
        cov_scale=settings.cov_scale,
        chi2_builtin=chi2_builtin,
        stored_metadata=stored,
        warnings=warnings,
    )


def _fit_with_optimization(settings: FitSettings) -> FitResult:
    """``fit --optimize P1,P2``: optimize for this run; store only with ``--save``."""
    from cosmofit.fitting.run import run_optimization
    from cosmofit.settings import OptimizeSettings, make_settings

    result = run_optimization(
        make_settings(
            OptimizeSettings,
            model=settings.model,
            datasets=settings.datasets,
            optimize=settings.optimize,
            freeze=settings.freeze,
            overrides=settings.overrides,
            cov_scale=settings.cov_scale,
            exact=settings.exact,
            use_store=settings.use_store,
            dry_run=not settings.save,
            store=settings.store,
        )
    )
    return FitResult(
        model=result.model,
        datasets=result.datasets,
        params=result.params,
        param_source=result.param_source,
        chi2=result.chi2,
        n_data=result.n_data,
        n_data_by_dataset=result.n_data_by_dataset,
        derived=result.derived,
        statistics=result.statistics,
        cov_scale=result.cov_scale,
        optimization=result.model_dump(
            include={
                "optimized",
                "fixed",
                "frozen",
                "conditioned_on",
                "start",
                "chi2_start",
                "errors",
                "unconstrained",
                "bounds_hit",
                "errors_conditional_on",
                "converged",
                "improvement",
                "run_id",
                "stored",
            }
        ),
        warnings=result.warnings,
    )
