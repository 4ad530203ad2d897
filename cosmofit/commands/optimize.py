"""``cosmofit optimize``: choose parameters, optimize them, store the result."""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._compute import SchedulerOpt, WorkersOpt
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
    stderr,
    stdout,
)

HELP = """Optimize model parameters on datasets and store them as the new defaults.

DATASETS is a comma-separated list of names or aliases (cmb, bao, sn, joint).
By default every optimizable parameter of the model moves; --params picks a
subset, --freeze locks parameters for this run, --set fixes start values.
The result updates the store (per-model lock, atomic write, history, backup)
unless --dry-run, which computes everything and writes nothing.

Examples:

  cosmofit optimize cmb --model lcdm

  cosmofit optimize cmb --model pbuf --warm-start

  cosmofit optimize cmb,bao,sn --model pbuf --params k_sat,H0,Om0 --freeze ns

  cosmofit optimize bao --model lcdm --set Obh2=0.02218 --params H0,Om0 --dry-run --json
"""


def register(app: typer.Typer) -> None:
    app.command("optimize", help=HELP)(optimize)


def optimize(
    datasets: DatasetsArg = None,
    model: ModelOrAllOpt = None,
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            "--optimize",
            help="Parameters to optimize, P1,P2 (default: all optimizable).",
        ),
    ] = None,
    freeze: Annotated[
        list[str] | None,
        typer.Option("--freeze", help="Lock a parameter for this run (repeatable, or P1,P2)."),
    ] = None,
    set_: SetOpt = None,
    warm_start: Annotated[
        bool | None,
        typer.Option("--warm-start/--no-warm-start", help="Start from the latest compatible run."),
    ] = None,
    dry_run: Annotated[
        bool | None,
        typer.Option("--dry-run/--no-dry-run", help="Compute everything, write nothing."),
    ] = None,
    cov_scale: CovScaleOpt = None,
    exact: ExactOpt = False,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="L-BFGS-B, Nelder-Mead, Powell or trust-constr.",
            show_default="L-BFGS-B",
        ),
    ] = None,
    starts: Annotated[
        int | None,
        typer.Option("--starts", help="Number of starts (multi-start).", show_default="1"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the extra start points.")
    ] = None,
    from_builtin: Annotated[
        bool, typer.Option("--from-builtin", help="Start from built-in defaults, not the store.")
    ] = False,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.config import load_config, models_to_run, optimize_settings
    from cosmofit.fitting.run import run_optimization
    from cosmofit.settings import parse_assignments, split_names

    effective = load_config(
        {
            "run": {
                "model": model,
                "datasets": split_names(datasets) if datasets is not None else None,
                "store": store,
            },
            "optimization": {
                "optimize_parameters": split_names(params) if params is not None else None,
                "frozen_parameters": split_names(freeze) if freeze else None,
                "warm_start": warm_start,
                "dry_run": dry_run,
                "covariance_scaling": cov_scale,
                "method": method,
                "starts": starts,
                "seed": seed,
                "use_precomputed": False if from_builtin else None,
            },
            "parameters": parse_assignments(set_),
            "compute": {"scheduler": scheduler, "workers": workers},
        }
    )
    all_settings = [
        optimize_settings(effective, m).model_copy(update={"exact": exact})
        for m in models_to_run(effective)
    ]
    from cosmofit.store.store import OptimizedParameterStore

    for settings in all_settings:  # a store of the wrong kind is refused before any fit starts
        OptimizedParameterStore(settings.store, read_only=settings.dry_run or not settings.save)
    results = []
    for settings in all_settings:
        with _progress(settings, quiet=json_output) as on_start_done:
            results.append(run_optimization(settings, on_start_done=on_start_done))
    emit_results(results, effective, json_output=json_output, render=render_optimization)


class _progress:
    """A spinner (one start) or a bar (several starts) on stderr while the optimizer runs."""

    def __init__(self, settings, *, quiet: bool):
        self.settings = settings
        self.quiet = quiet
        self._progress = None

    def __enter__(self):
        if self.quiet:
            return None
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} starts"),
            TimeElapsedColumn(),
            console=stderr(),
            transient=True,
        )
        self._progress.start()
        label = f"optimizing {self.settings.model} on {','.join(self.settings.datasets)}"
        task = self._progress.add_task(label, total=self.settings.starts)
        return lambda index, outcome: self._progress.advance(task)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
        return False


def render_optimization(result) -> None:
    from rich.table import Table

    console = stdout()
    status = "converged" if result.converged else "NOT converged"
    title = (
        f"{result.model} on {result.dataset_tag}: {status} ({result.method}, "
        f"{result.nfev} evaluations, {result.wall_s:.2f} s)"
    )
    table = Table(title=plain(title), show_edge=False)  # fits 80 columns with whole numbers
    for column in ("parameter", "role", "start", "final", "1-sigma", "note"):
        table.add_column(
            column,
            justify="right" if column in ("start", "final", "1-sigma") else "left",
            overflow="fold",  # narrow terminals wrap notes instead of cutting them
        )
    roles = {n: "optimized" for n in result.optimized}
    roles.update({n: "frozen" for n in result.frozen})
    for name, value in result.params.items():
        role = roles.get(name, "fixed")
        note = []
        if name in result.unconstrained:
            note.append("unconstrained")
        if name in result.bounds_hit:
            note.append("at bound")
        if name in result.errors and result.errors_conditional_on:
            note.append(f"conditional on {', '.join(result.errors_conditional_on)} at bound")
        if role != "optimized":
            note.append(result.param_source[name])
        style = "bold" if role == "optimized" else ("cyan" if role == "frozen" else "dim")
        error = result.errors.get(name)
        table.add_row(
            name,
            role,
            fmt(result.start[name], 7),
            fmt(value, 7),
            fmt(error, 3) if error is not None else "-",
            plain(", ".join(note)),
            style=style,
        )
    keep_whole(table, "parameter", "start", "final", "1-sigma")
    console.print(table)
    if result.warm_start.requested:
        console.print(plain(f"start: {result.warm_start.reason}"), soft_wrap=True)
    chi2 = Table(title="chi2")
    for column in ("dataset", "N", "start", "final"):
        chi2.add_column(column, justify="left" if column == "dataset" else "right")
    for name in result.datasets:
        chi2.add_row(
            plain(name),
            str(result.n_data_by_dataset[name]),
            fmt(result.chi2_start[name]),
            fmt(result.chi2[name]),
        )
    chi2.add_row(
        "total",
        str(result.n_data),
        fmt(result.chi2_start["total"]),
        fmt(result.chi2["total"]),
        style="bold",
    )
    keep_whole(chi2, "N", "start", "final")
    console.print(chi2)
    stats = result.statistics
    items = [
        f"improvement {fmt(result.improvement)}",
        f"k = {stats.n_free} constrained ({stats.n_moved} moved)",
        f"dof = {stats.dof}",
        f"AIC = {fmt(stats.aic)}",
        f"BIC = {fmt(stats.bic)}",
    ]
    if len(result.starts) > 1:
        items.append(f"spread of {len(result.starts)} starts = {fmt(result.spread, 3)}")
    print_items(console, items)
    if result.stored:
        console.print(f"stored as run {result.run_id}", soft_wrap=True)
    else:
        console.print("dry run: nothing written" if result.run_id else "not stored")
