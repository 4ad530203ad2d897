"""``cosmofit jackknife``: refit with each dataset or data point left out."""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._compute import (
    OutOpt,
    ResumeOpt,
    SchedulerOpt,
    WorkersOpt,
    run_on_engine,
)
from cosmofit.commands._options import ModelOpt, SetOpt, StoreOpt
from cosmofit.commands._output import JsonOpt, fmt, keep_whole, plain, stdout

HELP = """Refit with each dataset (--by dataset) or each CMB/BAO data point (--by point) left out.

Each refit is shown as the shift of every optimized parameter in units of the
combined Hessian 1-sigma of the full fit and the refit; shifts above 2 sigma
are flagged; a refit ending on a bound or leaving a parameter unconstrained is
marked so instead. A left-out point leaves a Gaussian likelihood on the other
points with their marginal covariance. Supernova points are not left out one by one (each SN barely
moves the fit and the analytic magnitude offset couples them all): drop the
SN dataset whole with --by dataset.

Task results go to DIR/results.jsonl as they arrive (DIR: --out, by default
<store>/jackknife/MODEL-<UTC time>) and the report to DIR/jackknife.json;
--resume --out DIR continues an interrupted run (which prints that command).

Examples:

  cosmofit jackknife cmb,bao,sn --model lcdm --by dataset

  cosmofit jackknife bao --model lcdm --by point --params H0,Om0 --set Obh2=0.02218
"""


def register(app: typer.Typer) -> None:
    app.command("jackknife", help=HELP)(jackknife)


def jackknife(
    datasets: Annotated[str, typer.Argument(help="Datasets, e.g. cmb,bao,sn.")],
    model: ModelOpt = "lcdm",
    by: Annotated[
        str, typer.Option("--by", help="Leave out each 'dataset' or each CMB/BAO 'point'.")
    ] = "dataset",
    params: Annotated[
        str | None,
        typer.Option("--params", help="Parameters to fit, P1,P2 (default: all optimizable)."),
    ] = None,
    set_: SetOpt = None,
    starts: Annotated[int, typer.Option("--starts", min=1, help="Starts per fit.")] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the extra starts.")] = 0,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    out: OutOpt = None,
    resume: ResumeOpt = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.fitting.jackknife import JackknifeSettings, run_jackknife
    from cosmofit.settings import make_settings, parse_assignments, split_names
    from cosmofit.store.store import JACKKNIFE_RUNS

    settings = make_settings(
        JackknifeSettings,
        datasets=split_names(datasets),
        model=model,
        by=by,
        optimize=split_names(params) if params is not None else None,
        overrides=parse_assignments(set_),
        starts=starts,
        seed=seed,
    )
    run_on_engine(
        lambda compute, on_progress: run_jackknife(settings, compute, on_progress=on_progress),
        out=out,
        resume=resume,
        store=store,
        kind=JACKKNIFE_RUNS,
        stem=model,
        scheduler=scheduler,
        workers=workers,
        json_output=json_output,
        render=render_jackknife,
    )


def _shift_cell(row, name: str) -> str:
    """The shift in combined sigma, or why there is none."""
    if row.shifts.get(name) is not None:
        return fmt(row.shifts[name], 3)
    if name in row.bounds_hit:
        return "at bound"
    if name in row.unconstrained:
        return "unconstr."
    return "-"


def render_jackknife(result) -> None:
    """One row per refit: chi2 and each parameter's shift in sigma (flagged above 2)."""
    from rich.table import Table

    console = stdout()
    table = Table(
        title=plain(f"jackknife of {result.model} on {'+'.join(result.datasets)}"),
        show_edge=False,
    )
    table.add_column("left out")
    table.add_column("N", justify="right")
    table.add_column("chi2", justify="right")
    for name in result.optimized:
        table.add_column(f"d{plain(name)}/sigma", justify="right")
    table.add_row(
        "full fit: 1-sigma",
        "",
        fmt(result.full_chi2, 7),
        *[fmt(result.errors.get(n), 3) for n in result.optimized],
        style="bold",
    )
    for row in result.leave_outs:
        cells = [_shift_cell(row, n) for n in result.optimized]
        cells = [
            f"[red]{c}[/red]" if n in row.flagged else c
            for c, n in zip(cells, result.optimized, strict=True)
        ]
        chi2 = fmt(row.chi2, 7) if row.status == "ok" else f"failed: {plain(row.reason)}"
        table.add_row(plain(row.label.removeprefix("without ")), str(row.n_data), chi2, *cells)
    keep_whole(table, "N", "chi2", *[f"d{plain(n)}/sigma" for n in result.optimized])
    console.print(table)
    for note in result.notes:
        console.print(f"note: {plain(note)}")
    flagged = ", ".join(result.flagged) or "none"
    console.print(f"shifts above 2 sigma: {plain(flagged)}")
    console.print("unconstr. / at bound: that refit has no sigma there, so no shift in sigma")
    console.print(
        f"{result.tasks} tasks ({result.resumed} resumed) on {plain(result.scheduler)}, "
        f"{result.wall_s:.1f} s; results in {plain(result.out_dir)}"
    )
