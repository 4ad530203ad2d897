"""``cosmofit profile``: the profile likelihood of one parameter on a grid."""

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
from cosmofit.commands._options import SetOpt, StoreOpt
from cosmofit.commands._output import JsonOpt, fmt, plain, stdout

HELP = """Profile likelihood of PARAM: chi2 minimised over the other parameters at each grid value.

A global fit (PARAM free) comes first; at each grid value start 0 is its best
fit and the other --starts are seeded draws around it; then --sweeps passes
re-minimise every point from its neighbours' best fits. Reported: chi2,
per-dataset chi2 and nuisance values at each point, delta chi2 against the
lowest chi2 found, the 1- and 2-sigma intervals (delta chi2 = 1 and 4,
interpolated) beside the Hessian 1-sigma, non-monotone points and failed tasks.

Start values are the built-in defaults and --set. Every task result is
appended to DIR/results.jsonl as it arrives (DIR: --out, by default
<store>/profiles/PARAM-<UTC time>, where `cosmofit report --html` plots it);
the report goes to DIR/profile.json. After Ctrl-C or a crash, the same
command with --resume --out DIR skips the recorded tasks (the interrupted run
prints that command).

Examples:

  cosmofit profile Om0 bao --model lcdm --params H0 --set Obh2=0.02218 --grid 0.27:0.33:13

  cosmofit profile k_sat cmb,bao,sn --model pbuf --grid 0.1:2:21 --starts 4 --workers 2
"""


def register(app: typer.Typer) -> None:
    app.command("profile", help=HELP)(profile)


def profile(
    param: Annotated[str, typer.Argument(help="The parameter to profile, e.g. Om0.")],
    datasets: Annotated[str, typer.Argument(help="Datasets, e.g. bao or cmb,bao,sn.")],
    grid: Annotated[str, typer.Option("--grid", help="LO:HI:N, N evenly spaced values of PARAM.")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="A registered model, e.g. lcdm.")
    ] = "lcdm",
    params: Annotated[
        str | None,
        typer.Option(
            "--params", help="Parameters minimised at each point, P1,P2 (default: all others)."
        ),
    ] = None,
    set_: SetOpt = None,
    starts: Annotated[int, typer.Option("--starts", min=1, help="Starts per grid point.")] = 2,
    sweeps: Annotated[
        int, typer.Option("--sweeps", min=0, help="Most neighbour sweeps (0: none).")
    ] = 2,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the extra starts.")] = 0,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    out: OutOpt = None,
    resume: ResumeOpt = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.fitting.profile import ProfileSettings, cosmology_request, run_profile
    from cosmofit.settings import make_settings, parse_assignments, split_names
    from cosmofit.store.store import PROFILE_RUNS

    settings = make_settings(
        ProfileSettings,
        param=param,
        datasets=split_names(datasets),
        model=model,
        grid=grid,
        optimize=split_names(params) if params is not None else None,
        overrides=parse_assignments(set_),
        starts=starts,
        sweeps=sweeps,
        seed=seed,
    )
    request = cosmology_request(settings)
    run_on_engine(
        lambda compute, on_progress: run_profile(request, compute, on_progress=on_progress),
        out=out,
        resume=resume,
        store=store,
        kind=PROFILE_RUNS,
        stem=param,
        scheduler=scheduler,
        workers=workers,
        json_output=json_output,
        render=render_profile,
    )


def render_profile(result) -> None:
    """The profile table, then the best fit, the intervals and the Hessian sigma."""
    from rich.table import Table

    console = stdout()
    show_nuisance = len(result.nuisance) <= 4
    table = Table(title=plain(f"profile of {result.param}: {result.objective}"))
    table.add_column(plain(result.param), justify="right")
    table.add_column("chi2", justify="right")
    table.add_column("dchi2", justify="right")
    for name in result.chi2_by_dataset:
        table.add_column(plain(name), justify="right")
    if show_nuisance:
        for name in result.nuisance:
            table.add_column(plain(name), justify="right")
    table.add_column("note")
    finite = [(v, i) for i, v in enumerate(result.chi2) if v is not None]
    lowest = min(finite)[1] if finite else None
    for i, value in enumerate(result.grid):
        notes = []
        if i == lowest:
            notes.append("min")
        if i in result.outliers:
            notes.append("non-monotone")
        if result.chi2[i] is None:
            notes.append("failed")
        row = [fmt(value, 6), fmt(result.chi2[i], 8), fmt(result.delta_chi2[i], 4)]
        row += [fmt(v[i], 7) for v in result.chi2_by_dataset.values()]
        if show_nuisance:
            row += [fmt(v[i], 6) for v in result.nuisance.values()]
        table.add_row(*row, ", ".join(notes), style="bold" if i == lowest else None)
    console.print(table)

    low1, high1 = result.interval_1sigma
    minus, plus = result.half_widths_1sigma
    summary = Table(show_header=True, title="intervals")
    for column in ("", "low", "high", "-", "+", "Hessian sigma"):
        summary.add_column(column, justify="right" if column else "left")
    summary.add_row(
        "1 sigma (dchi2=1)",
        fmt(low1, 6),
        fmt(high1, 6),
        fmt(minus, 3),
        fmt(plus, 3),
        fmt(result.hessian_sigma, 3),
    )
    low2, high2 = result.interval_2sigma
    summary.add_row("2 sigma (dchi2=4)", fmt(low2, 6), fmt(high2, 6), "", "", "")
    console.print(summary)
    console.print(
        f"best fit {plain(result.param)} = {fmt(result.best, 6)}, chi2_min = "
        f"{fmt(result.chi2_min, 8)} (global fit {fmt(result.chi2_global, 8)})"
    )
    for failed in result.failed:
        console.print(f"failed task {plain(failed.key)}: {plain(failed.reason)}")
    console.print(
        f"{result.tasks} tasks ({result.resumed} resumed), {result.sweeps_done} sweeps, on "
        f"{plain(result.scheduler)}, {result.wall_s:.1f} s; results in {plain(result.out_dir)}"
    )
