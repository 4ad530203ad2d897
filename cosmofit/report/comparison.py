"""Model comparison numbers: N, k, AIC, BIC per fit and AIC/BIC differences between models.

They are computed once, when the summary is built, so the terminal and the
HTML report show the same stored numbers. Information criteria of fits to
different data are not comparable, so differences are only given between
models whose last optimizations used the same datasets and covariance scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cosmofit.fitting.statistics import fit_statistics


def dataset_facts(names: list[str]) -> dict[str, dict[str, Any]]:
    """Title, citation, kind, N and sha256 of each named dataset (``None`` fields if unknown).

    A dataset can disappear from the registry after a run (a removed user
    dataset); the report then says so instead of failing.
    """
    from cosmofit.data.registry import find_dataset

    facts: dict[str, dict[str, Any]] = {}
    for name in names:
        spec = find_dataset(name)
        facts[name] = {
            "name": name,
            "known": spec is not None,
            "kind": spec.kind if spec else None,
            "title": spec.title if spec else None,
            "citation": spec.citation if spec else None,
            "n_points": spec.n_points if spec else None,
            "sha256": spec.sha256 if spec else None,
        }
    return facts


def fit_criteria(
    chi2: float | None,
    optimized: list[str],
    datasets: list[str],
    facts: Mapping[str, Mapping],
    n_constrained: int | None = None,
) -> dict[str, Any]:
    """N (sum of the datasets' points), k, AIC, BIC.

    k is the stored number of constrained directions (the Hessian rank plus one
    profiled M per SN set); records written before it was kept count the
    optimized parameters the data constrained.

    Every value is ``None`` when it cannot be known (no chi2, or a dataset
    missing from the registry) rather than a number that looks valid.
    """
    unknown = [name for name in datasets if not facts[name]["known"]]
    if chi2 is None or unknown:
        return {"n_data": None, "k": None, "n_moved": None, "dof": None, "aic": None, "bic": None}
    n_data = sum(int(facts[name]["n_points"]) for name in datasets)
    offsets = sum(1 for name in datasets if facts[name]["kind"] == "sn")
    k = n_constrained if n_constrained is not None else len(optimized) + offsets
    stats = fit_statistics(chi2, n_data, k)
    return {
        "n_data": n_data,
        "k": k,
        "n_moved": len(optimized) + offsets,
        "dof": stats.dof,
        "aic": stats.aic,
        "bic": stats.bic,
    }


def compare_models(last: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """Per-dataset chi2 columns and delta-AIC/BIC to the best model, when comparable.

    ``last`` maps model name to its ``last_optimization`` summary entry (or
    ``None``). The delta of the best model is 0; models without an
    optimization, or fitted to other data, get ``None`` and ``reason`` says why.
    """
    fitted = {model: entry for model, entry in last.items() if entry is not None}
    datasets: list[str] = []
    for entry in fitted.values():
        datasets.extend(name for name in entry["datasets"] if name not in datasets)
    signatures = {(tuple(sorted(e["datasets"])), e["cov_scale"]) for e in fitted.values()}
    scored = {m: e for m, e in fitted.items() if e["aic"] is not None and e["bic"] is not None}
    if len(fitted) < 2:
        reason = "fewer than two models have been optimized"
    elif len(signatures) > 1:
        reason = "the models' last optimizations used different datasets or covariance scales"
    elif len(scored) < len(fitted):
        reason = "a dataset of a fit is no longer registered, so N and k are unknown"
    else:
        reason = None
    comparable = reason is None
    best_aic = min((e["aic"] for e in scored.values()), default=None)
    best_bic = min((e["bic"] for e in scored.values()), default=None)
    delta_aic: dict[str, float | None] = {}
    delta_bic: dict[str, float | None] = {}
    for model in last:
        entry = scored.get(model)
        delta_aic[model] = entry["aic"] - best_aic if comparable and entry else None
        delta_bic[model] = entry["bic"] - best_bic if comparable and entry else None
    best = best_bic_model = None
    if comparable:
        best = min(scored, key=lambda m: scored[m]["aic"])
        best_bic_model = min(scored, key=lambda m: scored[m]["bic"])
    return {
        "datasets": datasets,
        "comparable": comparable,
        "reason": reason,
        "best_model": best,
        "best_model_bic": best_bic_model,
        "delta_aic": delta_aic,
        "delta_bic": delta_bic,
    }
