"""A stored optimization as files other codes read: GetDist ``.minimum`` and a ``.covmat``.

The ``.minimum`` holds the best fit in CosmoMC's format (which GetDist's
``types.BestFit`` and Cobaya read): -log(Like), chi^2, the optimized
parameters, the fixed ones, derived values and the chi^2 of every dataset.
The ``.covmat`` is the inverse Hessian of chi^2/2 at the stored best fit,
recomputed from the record (model, datasets, covariance scale and final
values), so a Cobaya or MontePython run can start from it. ``cobaya`` names
the parameters as Cobaya's CAMB/CLASS interface does where one exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from cosmofit.errors import StoreError, UsageError
from cosmofit.fitting.chains import DERIVED_LABELS, PARAM_LABELS, column_name

#: Cosmofit name -> Cobaya's name for the same quantity (theory codes CAMB and CLASS).
COBAYA_NAMES = {"Obh2": "ombh2", "Om0": "omegam", "Neff": "nnu", "ns": "ns", "H0": "H0"}

ExportFormat = Literal["getdist", "cobaya"]


class ExportResult(BaseModel):
    run_id: str
    model: str
    format: str
    files: list[str]
    covmat_params: list[str]
    left_out: list[str]


def find_optimization(store, run_id: str):
    """The optimization record ``run_id`` of whichever model holds it."""
    from cosmofit.models.registry import available_models

    for model in available_models():
        for record in store.get_optimization_history(model):
            if record.run_id == run_id:
                if record.kind != "optimization":
                    raise UsageError(f"run {run_id} is a {record.kind}, not an optimization")
                return record
    raise StoreError(
        f"no optimization {run_id!r} in the store; list run ids with `cosmofit store history MODEL`"
    )


def export_run(store, run_id: str, fmt: ExportFormat, out_dir: Path) -> ExportResult:
    """Write ``<out>/<run_id>.minimum`` and ``.covmat`` for the optimization ``run_id``."""
    from cosmofit.compute.fits import hessian_errors
    from cosmofit.compute.objectives import CosmologySource, objective_for
    from cosmofit.models.registry import get_model
    from cosmofit.store.atomic import atomic_write_text

    if fmt not in ("getdist", "cobaya"):
        raise UsageError(f"--format {fmt!r}: use getdist or cobaya")
    record = find_optimization(store, run_id)
    model = get_model(record.model)
    source = CosmologySource(tuple(record.datasets), model.name, record.cov_scale)
    specs = [model.spec(n) for n in record.optimized]
    estimate = hessian_errors(source, specs, record.final)
    names = [n for n in record.optimized if n in estimate.errors]
    sigma = np.array([estimate.errors[n] for n in names])
    corr = np.array([[estimate.correlation[a][b] for b in names] for a in names])
    cov = corr * np.outer(sigma, sigma)
    rename = COBAYA_NAMES if fmt == "cobaya" else {}

    def shown(name: str) -> str:
        return rename.get(name, column_name(name))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    covmat = out_dir / f"{run_id}.covmat"
    header = "# " + " ".join(shown(n) for n in names)
    rows = [" ".join(f"{x:.10e}" for x in row) for row in cov]
    atomic_write_text(covmat, "\n".join([header, *rows]) + "\n")

    evaluation = objective_for(source).evaluate(record.final)
    derived = objective_for(source).derived(record.final)
    h = record.final["H0"] / 100.0
    derived.update(omegamh2=record.final["Om0"] * h * h, hrdrag=h * derived["r_drag"])
    lines = [
        f"-log(Like) = {0.5 * evaluation.total:.10g}",
        f"chi-sq     = {evaluation.total:.10g}",
        "",
    ]
    number = 1
    fixed = [n for n in model.param_names if n not in record.optimized]
    for group in (record.optimized, fixed):
        for name in group:
            label = PARAM_LABELS.get(name, name)
            lines.append(f"{number:5d}  {record.final[name]:.10e}   {shown(name)}   {label}")
            number += 1
        lines.append("")
    for name, value in derived.items():
        label = DERIVED_LABELS.get(name, column_name(name))
        lines.append(f"{number:5d}  {value:.10e}   {column_name(name)}   {label}")
        number += 1
    lines += ["", ""]
    for k, (name, chi2) in enumerate(evaluation.by_dataset.items(), start=1):
        lines.append(f"{k:5d}  {chi2:.10g}   {column_name(name)}")
    minimum = out_dir / f"{run_id}.minimum"
    atomic_write_text(minimum, "\n".join(lines) + "\n")
    return ExportResult(
        run_id=run_id,
        model=model.name,
        format=fmt,
        files=[str(minimum), str(covmat)],
        covmat_params=[shown(n) for n in names],
        left_out=[n for n in record.optimized if n not in names],
    )
