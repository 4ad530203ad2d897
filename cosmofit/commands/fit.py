"""``cosmofit fit``: chi^2 of a model on datasets at its current defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._options import (
    CovScaleOpt,
    DatasetsArg,
    ExactOpt,
    ModelOrAllOpt,
    SetOpt,
    StoreOpt,
)
from cosmofit.commands._output import (
    JsonOpt,
    emit_results,
    fmt,
    keep_whole,
    plain,
    print_items,
    stdout,
)

HELP = """Evaluate a model on datasets at its current defaults.

Current defaults are the store's optimized values where there are any and
the built-in values otherwise; --set overrides both. With stored values, the
chi2 at the built-in defaults is shown alongside. --optimize fits the listed
parameters for this run only (add --save to store the result).

DATASETS is a comma-separated list of dataset names or aliases
(cmb, bao, sn, joint = cmb,bao,sn; see `cosmofit data list`).

Examples:

  cosmofit fit cmb,bao,sn --model lcdm

  cosmofit fit joint --model all

  cosmofit fit bao --model pbuf --set k_sat=1 --json

  cosmofit fit sn --optimize Om0
"""


def register(app: typer.Typer) -> None:
    app.command("fit", help=HELP)(fit)


def fit(
    datasets: DatasetsArg = None,
    model: ModelOrAllOpt = None,
    set_: SetOpt = None,
    cov_scale: CovScaleOpt = None,
    exact: ExactOpt = False,
    optimize: Annotated[
        str | None, typer.Option("--optimize", help="Fit these parameters for this run, P1,P2.")
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="With --optimize: store the result, with the --set values it was conditioned on.",
        ),
    ] = False,
    from_builtin: Annotated[
        bool, typer.Option("--from-builtin", help="Ignore the store; use built-in defaults.")
    ] = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.config import fit_settings, load_config, models_to_run
    from cosmofit.errors import UsageError
    from cosmofit.fitting.evaluate import evaluate_fit
    from cosmofit.settings import parse_assignments, split_names

    if save and optimize is None:
        raise UsageError("--save only applies with --optimize P1,P2")
    effective = load_config(
        {
            "run": {
                "model": model,
                "datasets": split_names(datasets) if datasets is not None else None,
                "store": store,
            },
            "optimization": {
                "covariance_scaling": cov_scale,
                "use_precomputed": False if from_builtin else None,
            },
            "parameters": parse_assignments(set_),
        }
    )
    to_fit = split_names(optimize) if optimize is not None else None
    results = [
        evaluate_fit(
            fit_settings(effective, m, optimize=to_fit, save=save).model_copy(
                update={"exact": exact}
            )
        )
        for m in models_to_run(effective)
    ]
    emit_results(results, effective, json_output=json_output, render=render_fit)


def render_fit(result) -> None:
    from rich.table import Table

    console = stdout()
    chi2 = Table(title=plain(f"{result.model} on {', '.join(result.datasets)}"))
    chi2.add_column("dataset")
    chi2.add_column("N", justify="right")
    chi2.add_column("chi2", justify="right")
    if result.chi2_builtin is not None:
        chi2.add_column("chi2 at built-in defaults", justify="right")
    for name in [*result.datasets, "total"]:
        n = result.n_data if name == "total" else result.n_data_by_dataset[name]
        row = [plain(name), str(n), fmt(result.chi2[name])]
        if result.chi2_builtin is not None:
            row.append(fmt(result.chi2_builtin[name]))
        chi2.add_row(*row, style="bold" if name == "total" else None)
    keep_whole(chi2, "N", "chi2", "chi2 at built-in defaults")
    console.print(chi2)
    stats = result.statistics
    items = [
        f"k = {stats.n_free}",
        f"dof = {stats.dof}",
        f"reduced chi2 = {fmt(stats.reduced_chi2)}",
        f"AIC = {fmt(stats.aic)}",
        f"BIC = {fmt(stats.bic)}",
    ]
    if result.cov_scale != 1.0:
        items.append(f"cov-scale = {result.cov_scale:g}")
    print_items(console, items)
    params = Table(title="parameters")
    params.add_column("name")
    params.add_column("value", justify="right")
    params.add_column("source")
    for name, value in result.params.items():
        params.add_row(name, fmt(value, 7), plain(result.param_source[name]))
    keep_whole(params, "name", "value")
    console.print(params)
    derived = Table(title="derived")
    derived.add_column("quantity")
    derived.add_column("value", justify="right")
    for name, value in result.derived.items():
        derived.add_row(plain(name), fmt(value, 7))
    keep_whole(derived, "value")
    console.print(derived)
    if result.optimization is not None:
        opt = result.optimization
        console.print(
            f"optimized {', '.join(opt['optimized'])} for this run: improvement "
            f"{fmt(opt['improvement'])}; "
            + ("stored" if opt["stored"] else "not stored (add --save)")
        )
