"""``cosmofit validate``: the deployment checklist as code.

Each check returns a row (ok / warning / failed) with a one-line summary and
details. Nothing here writes: the store is opened read-only, and the
regression check re-optimizes in memory only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from cosmofit.errors import CosmofitError

Status = Literal["ok", "warning", "failed"]
MODELS = ("lcdm", "pbuf")

#: chi2 at the stored values must reproduce the stored chi2 this closely.
CHI2_REPRODUCTION = 1e-8


class CheckRow(BaseModel):
    name: str
    status: Status
    summary: str
    details: list[str] = Field(default_factory=list)


class ValidationReport(BaseModel):
    rows: list[CheckRow]

    @property
    def ok(self) -> bool:
        return all(row.status != "failed" for row in self.rows)


def check_config() -> CheckRow:
    from cosmofit.config import check_for_model, load_config, models_to_run

    try:
        effective = load_config()
        for model in models_to_run(effective):
            check_for_model(effective, model)
    except CosmofitError as error:
        return CheckRow(name="config", status="failed", summary=str(error))
    layers = [name for name in effective.order if name not in ("command line",)]
    return CheckRow(
        name="config",
        status="ok",
        summary=f"effective configuration is valid (sources: {', '.join(layers)})",
    )


def check_data() -> CheckRow:
    from cosmofit.data.loader import load_dataset
    from cosmofit.data.registry import available_datasets

    problems, names = [], []
    for spec in available_datasets():
        try:
            load_dataset(spec, verify=True)
            names.append(spec.name)
        except CosmofitError as error:
            problems.append(str(error))
    if problems:
        return CheckRow(
            name="data",
            status="failed",
            summary=f"{len(problems)} dataset(s) failed: {problems[0]}",
            details=problems,
        )
    return CheckRow(
        name="data",
        status="ok",
        summary=f"{len(names)} datasets load; sha256 and covariances verified",
        details=names,
    )


def check_store(store_dir: str | None, tolerance: float) -> CheckRow:
    from cosmofit.store.store import OptimizedParameterStore

    store = OptimizedParameterStore(store_dir, read_only=True)
    problems = []
    for model in MODELS:
        problems.extend(store.check(model))
    if problems:
        return CheckRow(name="store", status="failed", summary=f"{problems[0]}", details=problems)
    report = store.validate_cross_model_consistency(tolerance)
    diverging = [row.param for row in report.rows if not row.ok]
    if diverging:
        return CheckRow(
            name="store",
            status="warning",
            summary=f"store at {store.root} is valid; lcdm and pbuf differ in "
            f"{', '.join(diverging)} beyond {tolerance:g}",
            details=store.warnings,
        )
    return CheckRow(
        name="store",
        status="ok",
        summary=f"store at {store.root} is valid; models consistent within {tolerance:g}",
    )


def convention_changes(stored: dict[str, str] | None, current: dict[str, str]) -> list[str]:
    """One line per dataset whose observable convention differs from a stored run's.

    ``stored`` is None for records made before conventions were kept in
    provenance: for a dataset that has one now (the CMB priors evaluated with
    their authors' recipe, the 6dFGS r_d rescale) that run was computed the
    earlier way.
    """
    unrecorded = "an earlier convention (not recorded)"
    lines = []
    for name in sorted(set(stored or {}) | set(current)):
        before = unrecorded if stored is None else stored.get(name, "none")
        now = current.get(name, "none")
        if before != now:
            lines.append(f"{name}: {before} -> {now}")
    return lines


def _regression_for(store, model: str) -> tuple[list[str], list[str]]:
    """Re-run the latest stored optimization of ``model``: (problems, notes).

    No problems means reproduced. A run made under an earlier convention for one
    of its datasets is not re-run: its numbers differ by design, and the note
    says so and how to refresh it.
    """
    from cosmofit.fitting.run import run_optimization
    from cosmofit.likelihoods.joint import load_likelihood
    from cosmofit.models.registry import get_model
    from cosmofit.settings import OptimizeSettings

    runs = [r for r in store.get_optimization_history(model) if r.kind == "optimization"]
    if not runs:
        return [], []
    record = runs[-1]
    spec = get_model(model)
    likelihood = load_likelihood(record.datasets, spec, cov_scale=record.cov_scale)
    changes = convention_changes(record.provenance.get("conventions"), likelihood.conventions)
    if changes:
        datasets = ",".join(record.datasets)
        return [], [
            f"{model} run {record.run_id} predates a change in how the data are evaluated "
            f"({'; '.join(changes)}); its chi2 and best fit differ by design and are not "
            f"compared. Refresh it with `cosmofit optimize {datasets} --model {model}`"
        ]
    problems = []
    chi2 = likelihood.chi2(record.final)
    if not math.isclose(chi2, record.chi2, rel_tol=0, abs_tol=CHI2_REPRODUCTION):
        problems.append(
            f"{model} run {record.run_id}: chi2 at the stored values is {chi2:.10g}, "
            f"stored {record.chi2:.10g}; the data or code changed since"
        )
    settings = OptimizeSettings(
        **{
            "model": record.model,
            "datasets": record.datasets,
            "optimize": record.optimized,
            "freeze": record.frozen,
            "cov_scale": record.cov_scale,
            **record.settings,
            "overrides": record.final,
            "use_store": False,
            "warm_start": False,
            "dry_run": True,
            "save": False,
            "store": str(store.root),
        }
    )
    rerun = run_optimization(settings)
    for name in record.optimized:
        if name in rerun.unconstrained or name in record.unconstrained:
            continue
        width = record.errors.get(name) or 0.0
        low, high = spec.spec(name).bounds
        allowed = max(0.05 * width, 1e-6 * (high - low))
        moved = abs(rerun.params[name] - record.final[name])
        if moved > allowed:
            problems.append(
                f"{model} run {record.run_id}: re-optimizing moves {name} by {moved:.3g} "
                f"(allowed {allowed:.3g}); the stored minimum is not reproduced"
            )
    if rerun.chi2["total"] < record.chi2 - 1e-6:
        problems.append(
            f"{model} run {record.run_id}: re-optimizing finds chi2 {rerun.chi2['total']:.8g} "
            f"below the stored {record.chi2:.8g}"
        )
    return problems, []


def check_regression(store_dir: str | None) -> CheckRow:
    from cosmofit.store.store import OptimizedParameterStore

    store = OptimizedParameterStore(store_dir, read_only=True)
    problems, notes, checked = [], [], []
    for model in MODELS:
        try:
            found, noted = _regression_for(store, model)
        except CosmofitError as error:
            found, noted = [f"{model}: {error}"], []
        problems.extend(found)
        notes.extend(noted)
        if store.get_optimization_history(model):
            checked.append(model)
    if problems:
        return CheckRow(
            name="regression", status="failed", summary=problems[0], details=problems + notes
        )
    if notes:
        return CheckRow(name="regression", status="warning", summary=notes[0], details=notes)
    if not checked:
        return CheckRow(
            name="regression", status="warning", summary="no stored optimization to re-run yet"
        )
    return CheckRow(
        name="regression",
        status="ok",
        summary=f"latest optimization of {', '.join(checked)} reproduced "
        f"(chi2 within {CHI2_REPRODUCTION:g}, parameters unchanged)",
    )


def check_report_files(store_dir: str | None) -> CheckRow:
    """The HTML report's numbers against the summary it was rendered from."""
    from pathlib import Path

    from cosmofit.report.html import REPORT_NAME
    from cosmofit.report.summary import SUMMARY_NAME
    from cosmofit.report.verify import check_report
    from cosmofit.store.store import resolve_store_root

    folder = Path(resolve_store_root(store_dir)) / "reports"
    page = folder / REPORT_NAME
    if not page.is_file():
        return CheckRow(
            name="report",
            status="ok",
            summary="no HTML report to check yet (`cosmofit report --html`)",
        )
    problems = check_report(page, folder / SUMMARY_NAME)
    if not problems:
        return CheckRow(
            name="report", status="ok", summary=f"every number in {page} matches {SUMMARY_NAME}"
        )
    if any("was rendered from" in problem for problem in problems):
        return CheckRow(
            name="report",
            status="warning",
            summary=f"{page} is older than the store's summary; regenerate it with "
            "`cosmofit report --html`",
            details=problems,
        )
    return CheckRow(
        name="report", status="failed", summary=f"{page}: {problems[0]}", details=problems
    )


def run_validation(
    *, regression: bool = False, extra_checks: list[Callable[[], CheckRow]] | None = None
) -> ValidationReport:
    """All checks, each isolated: one failing check never hides the others."""
    from cosmofit.config import load_config

    rows = [check_config(), check_data()]
    try:
        effective = load_config()
        store_dir = effective.config.run.store
        tolerance = effective.config.consistency.tolerance
    except CosmofitError:
        store_dir, tolerance = None, 1e-3
    try:
        rows.append(check_store(store_dir, tolerance))
    except CosmofitError as error:
        rows.append(CheckRow(name="store", status="failed", summary=str(error)))
    if regression:
        rows.append(check_regression(store_dir))
    rows.append(check_report_files(store_dir))
    for check in extra_checks or []:
        rows.append(check())
    return ValidationReport(rows=rows)
