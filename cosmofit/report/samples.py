"""Sampling runs in the report: credible intervals, triangle plots and the evidence table.

Runs are read from ``<store>/samples/*/summary.json`` (each run directory is a
GetDist root), so the report shows exactly what ``cosmofit sample`` wrote. The
evidence table compares nested runs on the same datasets whose shared
parameters had the same priors: ln B = ln Z(model) - ln Z(reference) with
the errors added in quadrature, and the Jeffreys-scale wording of |ln B|
(Trotta 2008): below 1 inconclusive, then weak, moderate and strong evidence.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

#: |ln B| thresholds of the Jeffreys scale and their wording.
JEFFREYS = ((1.0, "inconclusive"), (2.5, "weak"), (5.0, "moderate"), (math.inf, "strong"))


def jeffreys(ln_b: float, error: float | None, model: str, reference: str) -> str:
    """The wording of ln B; never a preference below |ln B| = 1 or within 1 sigma of 0."""
    size = abs(ln_b)
    grade = next(word for limit, word in JEFFREYS if size < limit)
    if grade == "inconclusive" or (error is not None and size <= error):
        return "inconclusive: neither model is favoured"
    winner = model if ln_b > 0 else reference
    return f"{grade} evidence for {winner}"


def sample_runs(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every recorded sampling run (oldest first) whose directory still holds its summary.

    The records (``<model>.samples.jsonl``) say where each run's chains are, in the
    store's ``samples/`` folder or wherever ``--out`` put them.
    """
    from cosmofit.models.registry import available_models
    from cosmofit.store.samples import SAMPLE_SUMMARY, read_sample_records

    records, warnings = [], []
    for model in available_models():
        found, problems = read_sample_records(root, model)
        records += found
        warnings += problems
    out = []
    for record in sorted(records, key=lambda r: r.timestamp):
        run = Path(record.directory)
        path = run / SAMPLE_SUMMARY
        where = str(path)
        if not path.exists():
            warnings.append(f"{where} is missing: run {record.run_id} was moved or deleted")
            continue
        try:
            data = json.loads(path.read_bytes())
            entry = {
                "run": run.name,
                "directory": str(run),
                "run_id": data["run_id"],
                "model": data["model"],
                "datasets": data["datasets"],
                "sampler": data["sampler"],
                "sampled": data["sampled"],
                "priors": data["priors"],
                "converged": data["converged"],
                "convergence": data["convergence"],
                "samples": data["samples"],
                "burn_in": data["burn_in"],
                "walkers": data["walkers"],
                "r_minus_one": data["r_minus_one"],
                "log_z": data["log_z"],
                "log_z_error": data["log_z_error"],
                "marginals": {
                    name: data["marginals"][name]
                    for name in data["marginals"]
                    if not name.startswith("chi2__")
                },
                "warnings": data.get("warnings", []),
            }
        except (OSError, ValueError, KeyError, TypeError) as error:
            warnings.append(f"skipped {where}: not a sampling summary ({error})")
            continue
        out.append(entry)
    return out, warnings


def evidence_table(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ln B of every nested run against the reference model of its group.

    A group is one dataset combination; runs compare only when every parameter
    they share had the same prior. The reference is ``lcdm`` when it is there,
    else the first model; the newest run of each model counts.
    """
    nested = [r for r in runs if r["sampler"] == "nested" and r["log_z"] is not None]
    groups: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
    for run in nested:
        groups.setdefault(tuple(run["datasets"]), {})[run["model"]] = run  # newest wins
    rows = []
    for datasets, by_model in groups.items():
        reference = by_model.get("lcdm") or next(iter(by_model.values()))
        for model, run in by_model.items():
            shared = set(run["priors"]) & set(reference["priors"])
            same = all(run["priors"][p] == reference["priors"][p] for p in shared)
            row = {
                "datasets": list(datasets),
                "model": model,
                "reference": reference["model"],
                "run": run["run"],
                "log_z": run["log_z"],
                "log_z_error": run["log_z_error"],
                "ln_b": None,
                "ln_b_error": None,
                "verdict": "reference",
            }
            if model != reference["model"]:
                if not same:
                    row["verdict"] = "not comparable: the shared parameters had other priors"
                else:
                    ln_b = run["log_z"] - reference["log_z"]
                    errors = [e for e in (run["log_z_error"], reference["log_z_error"]) if e]
                    error = math.sqrt(sum(e * e for e in errors)) if errors else None
                    row.update(
                        ln_b=ln_b,
                        ln_b_error=error,
                        verdict=jeffreys(ln_b, error, model, reference["model"]),
                    )
            rows.append(row)
    return rows


TRIANGLE_CAPTION = (
    "Marginalised posteriors of the sampled parameters (GetDist; 68% and 95% contours), "
    "burn-in removed."
)
MARGINAL_CAPTION = (
    "1-D marginal posterior (solid, peak 1) and, where a profile run of the same model, data "
    "and parameter exists, the profile likelihood exp(-delta chi2 / 2) (points, peak 1)."
)


def load_getdist(run: dict[str, Any]):
    """The run's GetDist samples (burn-in as recorded in chain.properties.ini)."""
    import logging

    from getdist import loadMCSamples

    logging.getLogger("root").setLevel(logging.ERROR)  # GetDist's bandwidth chatter
    return loadMCSamples(str(Path(run["directory"]) / "chain"), no_cache=True)


def triangle_figure(run: dict[str, Any]):
    from getdist import plots as getdist_plots

    samples = load_getdist(run)
    plotter = getdist_plots.get_subplot_plotter(width_inch=2.2 * len(run["sampled"]) + 1)
    plotter.settings.num_plot_contours = 2
    plotter.triangle_plot(samples, list(run["sampled"]), filled=True)
    return plotter.fig


def marginals_figure(run: dict[str, Any], profiles: list[dict[str, Any]]):
    """One panel per sampled parameter: the marginal, and the profile where there is one."""
    import numpy as np

    from cosmofit.report.plots import COLOURS, _new_figure, literal

    samples = load_getdist(run)
    names = list(run["sampled"])
    figure, axes_list = _new_figure(2.6 * len(names), 2.4, columns=len(names))
    for axes, name in zip(axes_list, names, strict=True):
        density = samples.get1DDensity(name)
        x = np.linspace(density.x.min(), density.x.max(), 300)
        axes.plot(x, density.Prob(x) / density.P.max(), color=COLOURS[0], label="posterior")
        profile = _matching_profile(run, name, profiles)
        if profile is not None:
            px = [
                g
                for g, d in zip(profile["grid"], profile["delta_chi2"], strict=True)
                if d is not None
            ]
            py = [np.exp(-0.5 * d) for d in profile["delta_chi2"] if d is not None]
            axes.plot(px, py, "o", color=COLOURS[1], markersize=3, label="profile")
        axes.set_xlabel(literal(name))
        axes.set_ylim(0, 1.1)
        axes.legend(fontsize=6, loc="upper right")
    return figure


def _matching_profile(run, name, profiles):
    found = [
        p
        for p in profiles
        if p["param"] == name and p["model"] == run["model"] and p["datasets"] == run["datasets"]
    ]
    return found[-1] if found else None


def render_sample_plots(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per sampling run: the triangle and marginal figures as SVG (or why they failed)."""
    from matplotlib import rc_context

    from cosmofit.report.plots import STYLE, Plot, to_svg

    out = []
    with rc_context(STYLE):
        for index, run in enumerate(summary.get("samples", [])):
            figures = {}
            for key, title, caption, draw in (
                ("triangle", "posterior", TRIANGLE_CAPTION, lambda r=run: triangle_figure(r)),
                (
                    "marginals",
                    "marginals and profiles",
                    MARGINAL_CAPTION,
                    lambda r=run: marginals_figure(r, summary["profiles"]),
                ),
            ):
                tag = f"sample-{index}-{key}"
                try:
                    figures[key] = Plot(tag, title, caption, to_svg(draw(), prefix=f"fig-{tag}"))
                except (OSError, ValueError, IndexError, KeyError) as error:
                    figures[key] = Plot(tag, title, caption, None, str(error))
            out.append(figures)
    return out
