"""The report's figures as inline SVG: SN residuals, BAO distances, CMB pulls, chi2 history,
the w0-wa plane of dark-energy fits, and one delta chi2 curve per profile run.

Figures draw the models at the parameter values stored in the summary; they
show curves, never numbers a table reports. Matplotlib is driven through its
object API (``Figure``, no pyplot), so no GUI backend is ever selected and a
library caller's backend is left alone. A fixed ``svg.hashsalt`` and no date
in the metadata make the SVG identical run to run, and every id inside a
figure gets the figure's prefix so several SVGs can share one HTML page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cosmofit.errors import CosmofitError

#: rcParams of every figure: deterministic ids, text kept as text (small, searchable SVG).
STYLE = {
    "svg.hashsalt": "cosmofit-report",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: One colour per model, in summary order; the first model is the residuals' reference.
COLOURS = ("#1f5fa8", "#c4501b", "#2a8a4a", "#7a3f9a")
DATA_COLOUR = "#333333"
SN_BINS = 20
#: delta chi2 of the 1- and 2-sigma intervals of one parameter, drawn on every profile.
PROFILE_LEVELS = (1.0, 4.0)
PROFILE_CAPTION = (
    "delta chi2 at each grid value (points joined by lines), the 1- and 2-sigma levels "
    "(dashed) and the parabola of the Hessian sigma at the best fit (dotted)."
)

_ID_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
#: The RDF block naming the creator; the page says who made it, once.
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


@dataclass(frozen=True)
class Plot:
    """One figure for the page: its SVG, or the reason it could not be drawn."""

    key: str
    title: str
    caption: str
    svg: str | None
    problem: str | None = None


def model_points(summary: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each model's stored default values (what ``cosmofit fit`` would evaluate)."""
    return {
        model: {name: entry["value"] for name, entry in section["defaults"].items()}
        for model, section in summary["models"].items()
    }


def literal(text: str) -> str:
    """``text`` shown as is: matplotlib would read a pair of dollar signs as math."""
    return text.replace("$", r"\$")


def curve_label(summary: dict[str, Any], model: str) -> str:
    """Legend text: the model and whether its values come from an optimization."""
    last = summary["models"][model]["last_optimization"]
    label = f"{model} ({last['dataset_tag']} fit)" if last else f"{model} (built-in defaults)"
    return literal(label)


def to_svg(figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element with ids prefixed by ``prefix``."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    return _ID_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)


def _new_figure(width: float, height: float, columns: int = 1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, columns, squeeze=False)[0]
    return figure, list(axes)


def _dataset(name: str):
    """Loaded dataset and its likelihood (which profiles M and knows the CMB theory vector)."""
    from cosmofit.data.loader import load_dataset

    loaded = load_dataset(name)
    return loaded.data, _likelihood(loaded)


@lru_cache(maxsize=8)
def _likelihood(loaded):
    """One likelihood per loaded dataset (the loader caches those), so each report in a
    process does not factor the 1590x1590 supernova covariance again."""
    from cosmofit.likelihoods.base import likelihood_class

    return likelihood_class(loaded.spec.kind)(loaded.spec.name, loaded.data)


def _backgrounds(summary: dict[str, Any]) -> dict[str, Any]:
    from cosmofit import background

    return {model: background(model, **values) for model, values in model_points(summary).items()}


def sn_residuals(summary: dict[str, Any], name: str | None = None) -> Any:
    """Binned Hubble residuals relative to the first model, M profiled for each model."""
    import numpy as np

    name = name or summary["plot_datasets"]["sn"]
    data, likelihood = _dataset(name)
    backgrounds = _backgrounds(summary)
    reference = next(iter(backgrounds))
    ref_bg = backgrounds[reference]
    offsets = {model: likelihood.M_best(bg) for model, bg in backgrounds.items()}
    residual = data.m - (ref_bg.mu(data.z_cos, data.z_hel) + offsets[reference])
    sigma = np.sqrt(np.diag(data.cov))
    edges = np.geomspace(data.z_cos.min(), data.z_cos.max() * (1 + 1e-9), SN_BINS + 1)
    which = np.digitize(data.z_cos, edges) - 1
    centres, means, errors = [], [], []
    for index in range(SN_BINS):
        inside = which == index
        if not inside.any():
            continue
        weights = 1.0 / sigma[inside] ** 2
        centres.append(float(np.average(data.z_cos[inside], weights=weights)))
        means.append(float(np.average(residual[inside], weights=weights)))
        errors.append(float(1.0 / np.sqrt(weights.sum())))
    figure, (axes,) = _new_figure(7.5, 3.4)
    z = np.geomspace(data.z_cos.min(), data.z_cos.max(), 200)
    ref_curve = ref_bg.mu(z) + offsets[reference]
    for colour, (model, bg) in zip(COLOURS, backgrounds.items(), strict=False):
        axes.plot(
            z,
            bg.mu(z) + offsets[model] - ref_curve,
            color=colour,
            label=curve_label(summary, model),
        )
    axes.errorbar(
        centres,
        means,
        yerr=errors,
        fmt="o",
        color=DATA_COLOUR,
        markersize=3.5,
        capsize=2,
        label=literal(f"{name}, {SN_BINS} log-z bins (diagonal errors)"),
    )
    axes.set_xscale("log")
    axes.set_xlabel("z (cosmological)")
    axes.set_ylabel(literal(f"mu - mu_{reference} [mag]"))
    axes.legend(loc="best", fontsize=8)
    return figure


def fiducial_background():
    """The BAO plot's reference: flat LCDM at its built-in (Planck 2018) defaults."""
    from cosmofit import background

    return background("lcdm")


def bao_distances(summary: dict[str, Any]) -> Any:
    """D_M/r_d, D_H/r_d and D_V/r_d over a fiducial LCDM: data, errors and each model's curve.

    Raw D/r_d rises by a factor ~30 over the redshift range, so models a percent
    apart coincide and error bars vanish; divided by the fiducial, both show.
    """
    import numpy as np

    name = summary["plot_datasets"]["bao"]
    data, _ = _dataset(name)
    backgrounds = _backgrounds(summary)
    fiducial = fiducial_background()
    values = np.asarray(data.values, dtype=float)
    sigma = np.sqrt(np.diag(data.cov))
    kinds = np.asarray(data.kinds)
    # r_d/D_V points are shown as D_V/r_d: value inverted, error propagated to first order.
    inverted = kinds == "rs_over_DV"
    values = np.where(inverted, 1.0 / values, values)
    sigma = np.where(inverted, sigma * values**2, sigma)
    kinds = np.where(inverted, "DV_over_rs", kinds)
    panels = (("DM_over_rs", "D_M"), ("DH_over_rs", "D_H"), ("DV_over_rs", "D_V"))

    def ratio(bg, kind, z):
        distance = {"DM_over_rs": bg.DM, "DH_over_rs": bg.DH, "DV_over_rs": bg.DV}[kind]
        return distance(z) / bg.r_drag

    figure, axes_row = _new_figure(10.0, 3.4, columns=3)
    z = np.linspace(0.02, max(float(data.z.max()) * 1.1, 0.5), 200)
    for axes, (kind, label) in zip(axes_row, panels, strict=True):
        reference = ratio(fiducial, kind, z)
        for colour, (model, bg) in zip(COLOURS, backgrounds.items(), strict=False):
            axes.plot(
                z, ratio(bg, kind, z) / reference, color=colour, label=curve_label(summary, model)
            )
        axes.axhline(1.0, color="#888888", linestyle=":", linewidth=0.8)
        mask = kinds == kind
        if mask.any():
            at = ratio(fiducial, kind, data.z[mask])
            axes.errorbar(
                data.z[mask],
                values[mask] / at,
                yerr=sigma[mask] / at,
                fmt="o",
                color=DATA_COLOUR,
                markersize=3.5,
                capsize=2,
                label=literal(name),
            )
        axes.set_title(f"{label} / r_d")
        axes.set_xlabel("redshift z")
        axes.set_ylabel(f"({label}/r_d) / fiducial")
    axes_row[0].legend(loc="best", fontsize=7)
    return figure


def cmb_pulls(summary: dict[str, Any]) -> Any:
    """(data - theory)/sigma of R, l_A and omega_b for each model."""
    import numpy as np

    name = summary["plot_datasets"]["cmb"]
    data, likelihood = _dataset(name)
    backgrounds = _backgrounds(summary)
    sigma = np.sqrt(np.diag(data.cov))
    figure, (axes,) = _new_figure(6.0, 3.0)
    positions = np.arange(len(data.names))
    width = 0.8 / max(len(backgrounds), 1)
    for index, (colour, (model, bg)) in enumerate(zip(COLOURS, backgrounds.items(), strict=False)):
        pulls = (data.values - likelihood.theory(bg)) / sigma
        offset = (index - (len(backgrounds) - 1) / 2) * width
        axes.bar(positions + offset, pulls, width, color=colour, label=curve_label(summary, model))
    for level in (-1.0, 1.0):
        axes.axhline(level, color="#888888", linestyle="--", linewidth=0.8)
    axes.axhline(0.0, color=DATA_COLOUR, linewidth=0.8)
    axes.set_xticks(positions, list(data.names))
    axes.set_ylabel("(data - theory) / sigma")
    axes.legend(loc="best", fontsize=8)
    return figure


#: The second supernova figure shows this sample (or Pantheon+ when it is the first figure's).
SECOND_SN = ("des_dovekie", "pantheon+")


def second_sn_residuals(summary: dict[str, Any]) -> Any:
    """The same residuals for a second, independent SN sample, to compare the two side by side."""
    first = summary["plot_datasets"].get("sn")
    return sn_residuals(summary, next(name for name in SECOND_SN if name != first))


def prior_pulls(summary: dict[str, Any]) -> Any:
    """(theory - mean)/sigma of every registered Gaussian prior quantity, for each model."""
    import numpy as np

    from cosmofit.data.registry import available_datasets
    from cosmofit.likelihoods.prior import known_quantities

    specs = [spec for spec in available_datasets() if spec.kind == "prior"]
    if not specs:
        raise CosmofitError("no prior dataset is registered")
    backgrounds = _backgrounds(summary)
    labels, pulls = [], {model: [] for model in backgrounds}
    for spec in specs:
        data, likelihood = _dataset(spec.name)
        sigma = np.sqrt(np.diag(data.cov))
        labels.extend(f"{spec.name}: {quantity}" for quantity in data.names)
        for model, bg in backgrounds.items():
            if set(data.names) <= set(known_quantities(bg.model)):
                pulls[model].extend((likelihood.theory(bg) - data.values) / sigma)
            else:  # a prior on a parameter this model lacks (k_sat for lcdm): no bar
                pulls[model].extend([np.nan] * len(data.names))
    figure, (axes,) = _new_figure(max(6.0, 0.9 * len(labels)), 3.8)
    positions = np.arange(len(labels))
    width = 0.8 / max(len(backgrounds), 1)
    for index, (colour, model) in enumerate(zip(COLOURS, backgrounds, strict=False)):
        offset = (index - (len(backgrounds) - 1) / 2) * width
        axes.bar(
            positions + offset, pulls[model], width, color=colour, label=curve_label(summary, model)
        )
    for level in (-1.0, 1.0):
        axes.axhline(level, color="#888888", linestyle="--", linewidth=0.8)
    axes.axhline(0.0, color=DATA_COLOUR, linewidth=0.8)
    axes.set_xticks(
        positions, [literal(label) for label in labels], fontsize=7, rotation=25, ha="right"
    )
    axes.set_ylabel("(theory - mean) / sigma")
    axes.legend(loc="best", fontsize=8)
    return figure


#: Dataset tags shown in the chi2 history (those with the most stored runs).
HISTORY_PANELS = 4


def chi2_history(summary: dict[str, Any]) -> Any:
    """chi2 of every stored optimization against run order: one panel per dataset tag
    (chi2 of different data are not on one scale), one line per model."""
    runs = [
        {**point, "model": model}
        for model, section in summary["models"].items()
        for point in section["chi2_history"]
        # a hand-edited history may hold NaN (null in the summary) or infinite chi2
        if isinstance(point["chi2"], int | float) and math.isfinite(point["chi2"])
    ]
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for run in sorted(runs, key=lambda r: r["timestamp"]):
        by_tag.setdefault(run["dataset_tag"], []).append(run)
    tags = sorted(by_tag, key=lambda t: -len(by_tag[t]))[:HISTORY_PANELS]
    figure, axes_row = _new_figure(10.0, 3.0, columns=max(len(tags), 1))
    if not tags:
        axes = axes_row[0]
        axes.text(0.5, 0.5, "no optimization stored yet", ha="center", va="center",
                  transform=axes.transAxes, color="#666666")  # fmt: skip
        axes.set_xticks([])
        axes.set_yticks([])
        return figure
    colours = dict(zip(summary["models"], COLOURS * len(summary["models"]), strict=False))
    for axes, tag in zip(axes_row, tags, strict=True):
        tagged = by_tag[tag]
        for model in dict.fromkeys(r["model"] for r in tagged):
            order = [i + 1 for i, r in enumerate(tagged) if r["model"] == model]
            chi2 = [r["chi2"] for r in tagged if r["model"] == model]
            axes.plot(order, chi2, "o-", color=colours[model], markersize=4, label=literal(model))
        axes.set_title(literal(tag))
        axes.set_xlabel(f"run on {literal(tag)} (oldest = 1)")
        axes.set_ylabel("chi2")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(loc="best", fontsize=7, title="model", title_fontsize=7)
    return figure


def dark_energy_fits(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Models whose last optimization moved both w0 and wa (any registered model with them)."""
    out = {}
    for model, section in summary["models"].items():
        last = section["last_optimization"]
        if last is not None and {"w0", "wa"} <= set(last["optimized"]):
            out[model] = last
    return out


def w0wa_plane(summary: dict[str, Any]) -> Any:
    """Best-fit (w0, wa) of each dark-energy fit with its Hessian errors, against LCDM.

    Shaded: w0 + wa >= 0, where the model is unphysical. Dotted: w0 = -1 (w today)
    and w0 + wa = -1 (w at high redshift), the phantom divide of each epoch.
    """
    import numpy as np

    fits = dark_energy_fits(summary)
    figure, (axes,) = _new_figure(5.0, 4.0)
    w0 = np.linspace(-3.0, 1.0, 2)
    axes.fill_between(w0, -w0, 2.0, color="#dddddd", label="w0 + wa >= 0 (unphysical)")
    axes.axvline(-1.0, color="#888888", linestyle=":", linewidth=0.8)
    axes.plot(w0, -1.0 - w0, color="#888888", linestyle=":", linewidth=0.8)
    axes.plot([-1.0], [0.0], "k*", markersize=10, label="LCDM (w0 = -1, wa = 0)")
    for colour, (model, last) in zip(COLOURS * len(fits), fits.items(), strict=False):
        x, y = last["final"]["w0"], last["final"]["wa"]
        errors = last["errors"]
        axes.errorbar(
            [x],
            [y],
            xerr=[errors["w0"]] if "w0" in errors else None,
            yerr=[errors["wa"]] if "wa" in errors else None,
            fmt="o",
            color=colour,
            capsize=3,
            label=literal(f"{model} ({last['dataset_tag']} fit)"),
        )
    points = [(last["final"]["w0"], last["final"]["wa"]) for last in fits.values()]
    xs = [p[0] for p in points] + [-1.0]
    ys = [p[1] for p in points] + [0.0]
    axes.set_xlim(max(min(xs) - 0.5, -3.0), min(max(xs) + 0.5, 1.0))
    axes.set_ylim(max(min(ys) - 1.0, -3.0), min(max(ys) + 1.0, 2.0))
    axes.set_xlabel("w0")
    axes.set_ylabel("wa")
    axes.legend(loc="best", fontsize=7)
    return figure


#: Figures in page order: key, title, caption, drawing function.
FIGURES: tuple[tuple[str, str, str, Callable[[dict[str, Any]], Any]], ...] = (
    (
        "sn",
        "Supernova Hubble residuals",
        "Binned distance-modulus residuals relative to the first model, with each model's "
        "curve; the absolute magnitude M is profiled for every model.",
        sn_residuals,
    ),
    (
        "bao",
        "BAO distances",
        "Measured D_M/r_d, D_H/r_d and D_V/r_d with 1-sigma (diagonal) errors and each "
        "model's prediction, all divided by the fiducial: flat LCDM at its built-in "
        "defaults (the dotted line).",
        bao_distances,
    ),
    (
        "cmb",
        "CMB distance-prior pulls",
        "(data - theory)/sigma for R, l_A and omega_b; dashed lines mark 1 sigma.",
        cmb_pulls,
    ),
    (
        "w0wa",
        "Dark energy: the w0-wa plane",
        "Best-fit (w0, wa) of each stored dark-energy fit with 1-sigma Hessian errors "
        "(each alone: their strong correlation is not drawn), LCDM (star), the "
        "unphysical region w0 + wa >= 0 (shaded) and w = -1 today and at high "
        "redshift (dotted).",
        w0wa_plane,
    ),
    (
        "sn2",
        "Hubble residuals of a second supernova sample",
        "The same binned residuals for DES-Dovekie (or Pantheon+ when the figure above shows "
        "DES-Dovekie), M profiled separately: two independent samples side by side.",
        second_sn_residuals,
    ),
    (
        "prior",
        "Gaussian prior pulls",
        "(theory - mean)/sigma of each registered Gaussian prior (BBN, SH0ES, the compressed "
        "Planck PR4 CMB, user priors) at each model's stored parameters; dashed lines mark "
        "1 sigma. Only priors a fit used enter its chi2.",
        prior_pulls,
    ),
    (
        "history",
        "chi2 history",
        "Total chi2 of each stored optimization in the order they ran, one panel per "
        "dataset combination (chi2 of different data are not comparable), one line per model.",
        chi2_history,
    ),
)


def render_plots(summary: dict[str, Any]) -> list[Plot]:
    """Every figure of the report; a figure that cannot be drawn says why instead.

    A dataset that no longer loads or a model that is unphysical at its
    stored values costs one figure, not the whole report.
    """
    from matplotlib import rc_context

    plots = []
    with rc_context(STYLE):
        for key, title, caption, draw in FIGURES:
            if key == "w0wa" and not dark_energy_fits(summary):
                continue  # drawn only for stores that hold a w0-wa fit
            if key in ("sn", "bao", "cmb") and key not in summary["plot_datasets"]:
                plots.append(Plot(key, title, caption, None, f"no {key} dataset is registered"))
                continue
            try:
                svg = to_svg(draw(summary), prefix=f"fig-{key}")
            except CosmofitError as error:
                plots.append(Plot(key, title, caption, None, str(error)))
                continue
            except (ArithmeticError, ValueError, TypeError) as error:  # e.g. year-9999 dates
                reason = f"cannot draw it from the stored values ({type(error).__name__}: {error})"
                plots.append(Plot(key, title, caption, None, reason))
                continue
            plots.append(Plot(key, title, caption, svg))
    return plots


def profile_curve(profile: dict[str, Any]) -> Any:
    """delta chi2 against the profiled parameter, the 1 and 4 levels and the Hessian parabola.

    The parabola ((x - best)/sigma)^2 is what the Hessian at the best fit
    predicts; where the profile leaves it the likelihood is not Gaussian.
    """
    import numpy as np

    points = [
        (x, y)
        for x, y in zip(profile["grid"], profile["delta_chi2"], strict=True)
        if x is not None and y is not None
    ]
    figure, (axes,) = _new_figure(6.0, 3.0)
    param = literal(profile["param"])
    for level in PROFILE_LEVELS:
        axes.axhline(level, color="#888888", linestyle="--", linewidth=0.8)
        axes.annotate(
            f"delta chi2 = {level:g}",
            (1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color="#666666",
        )
    if points:
        xs, ys = (np.array(values, dtype=float) for values in zip(*points, strict=True))
        axes.plot(xs, ys, "o-", color=COLOURS[0], markersize=4, label="profile")
        best, sigma = profile["best"], profile["hessian_sigma"]
        if best is not None and sigma is not None and sigma > 0:
            x = np.linspace(xs.min(), xs.max(), 200)
            axes.plot(
                x,
                ((x - best) / sigma) ** 2,
                color=COLOURS[1],
                linestyle=":",
                label=literal(f"Hessian parabola (sigma = {sigma:.3g})"),
            )
        axes.set_ylim(-0.05 * max(ys.max(), 4.0), 1.15 * max(ys.max(), 4.0))
        axes.legend(loc="upper center", fontsize=7)
    else:
        axes.text(
            0.5,
            0.5,
            "no finite grid point",
            ha="center",
            va="center",
            transform=axes.transAxes,
            color="#666666",
        )
        axes.set_ylim(-0.2, 5.0)
    axes.set_xlabel(param)
    axes.set_ylabel("delta chi2")
    return figure


def render_profile_plots(summary: dict[str, Any]) -> list[Plot]:
    """One figure per entry of ``summary["profiles"]``, in the same order."""
    from matplotlib import rc_context

    plots = []
    with rc_context(STYLE):
        for index, profile in enumerate(summary["profiles"]):
            key = f"profile-{index}"
            title = f"profile of {profile['param']}"
            try:
                svg = to_svg(profile_curve(profile), prefix=f"fig-{key}")
            except ValueError as error:  # e.g. values too large for finite axis limits
                plots.append(Plot(key, title, PROFILE_CAPTION, None, str(error)))
                continue
            plots.append(Plot(key, title, PROFILE_CAPTION, svg))
    return plots
