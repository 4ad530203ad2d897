"""``cosmofit sample``: the posterior of a model on datasets (MCMC or nested sampling)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

import typer

from cosmofit.commands._compute import (
    OutOpt,
    ResumeOpt,
    SchedulerOpt,
    WorkersOpt,
    compute_choice,
    exit_interrupted,
    run_directory,
)
from cosmofit.commands._options import CovScaleOpt, ModelOpt, SetOpt, StoreOpt
from cosmofit.commands._output import JsonOpt, fmt, plain, print_json, stderr, stdout

HELP = """Sample the posterior of MODEL's parameters on DATASETS.

Priors are flat within each parameter's hard bounds unless narrowed in the
configuration (\\[priors.lcdm] H0 = [60, 80], Obh2 = {mean = 0.02218, sigma =
0.00055}) or by --prior P=LO:HI / --prior P~MEAN,SIGMA (which win). Walkers
start around the stored best fit and its Hessian errors when the store has
one for these parameters and data, else around a short optimization.

--sampler emcee (default) runs --chains independent ensembles of --walkers
walkers as tasks on the compute engine, in segments appended to the chain
files as they finish; R-1 (Gelman-Rubin, per parameter), the autocorrelation
time and the effective sample size are measured after every round, and the
burn-in (a few autocorrelation times) is removed automatically.
--until-converged stops at R-1 < \\[sampling] target_r_minus_one (0.01) with
ESS >= min_ess (400); a run that stops unconverged says so. --sampler nested
runs nautilus (pip install 'cosmofit-cli\\[nested]') for the evidence ln Z.

Results go to DIR (--out, by default <store>/samples/MODEL-DATASETS-<UTC>): a
GetDist root (chain_N.txt, chain.paramnames, chain.ranges,
chain.properties.ini, read by getdist.loadMCSamples(DIR + '/chain')) and
summary.json; the run is recorded in the store (`cosmofit store history`).
After Ctrl-C or a crash, --resume --out DIR continues to the same samples.

Examples:

  cosmofit sample bao --model lcdm --params H0,Om0,Obh2 --until-converged

  cosmofit sample cmb,bao,sn --prior H0=50:90 --steps 2000 --workers 2 --json

  cosmofit sample cmb,bao,sn --model wcdm --sampler nested --seed 1
"""


def register(app: typer.Typer) -> None:
    app.command("sample", help=HELP)(sample)


def sample(
    datasets: Annotated[str, typer.Argument(help="Datasets, e.g. bao or cmb,bao,sn.")],
    model: ModelOpt = "lcdm",
    params: Annotated[
        str | None,
        typer.Option("--params", help="Sampled parameters P1,P2 (default: the optimizable set)."),
    ] = None,
    set_: SetOpt = None,
    prior: Annotated[
        list[str] | None,
        typer.Option("--prior", help="P=LO:HI (flat) or P~MEAN,SIGMA (Gaussian); repeatable."),
    ] = None,
    sampler: Annotated[
        str | None, typer.Option("--sampler", help="emcee or nested.", show_default="emcee")
    ] = None,
    chains: Annotated[
        int | None, typer.Option("--chains", min=2, help="Independent chains.", show_default="4")
    ] = None,
    walkers: Annotated[
        int | None,
        typer.Option("--walkers", min=4, help="Walkers per chain.", show_default="max(16, 4 d)"),
    ] = None,
    steps: Annotated[
        int | None, typer.Option("--steps", min=1, help="Steps per chain (walker moves).")
    ] = None,
    until_converged: Annotated[
        bool, typer.Option("--until-converged", help="Sample until R-1 and ESS reach target.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of every chain.")] = 0,
    cov_scale: CovScaleOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    out: OutOpt = None,
    resume: ResumeOpt = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show priors, start and plan; sample nothing.")
    ] = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.compute.engine import ComputeOptions, RunInterrupted
    from cosmofit.config import load_config, sample_settings
    from cosmofit.settings import make_settings, parse_assignments, split_names
    from cosmofit.store.samples import SAMPLE_RUNS

    effective = load_config(
        {
            "run": {"model": model, "store": store},
            "sampling": {"sampler": sampler, "chains": chains, "walkers": walkers},
        }
    )
    settings = sample_settings(
        effective,
        model,
        datasets=split_names(datasets),
        params=split_names(params) if params is not None else None,
        overrides=parse_assignments(set_),
        priors=list(prior or []),
        steps=steps,
        until_converged=until_converged,
        seed=seed,
        cov_scale=cov_scale,
        dry_run=dry_run,
    )
    stem = f"{settings.model}-{'+'.join(settings.datasets)}"
    if dry_run:
        out_dir = out  # nothing is written
    else:
        out_dir = run_directory(out, resume=resume, store=store, kind=SAMPLE_RUNS, stem=stem)
    compute = make_settings(
        ComputeOptions, **compute_choice(scheduler, workers), out_dir=out_dir, resume=resume
    )
    from cosmofit.fitting.sample import run_sampling

    try:
        with _progress(quiet=json_output, settings=settings) as on_progress:
            result = run_sampling(settings, compute, on_progress=on_progress)
    except RunInterrupted as error:
        exit_interrupted(error)
    if json_output:
        print_json(result)
    else:
        render_sample(result)
    for warning in result.warnings:
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")


@contextmanager
def _progress(*, quiet: bool, settings):
    """Steps done, R-1 and ESS as they improve, on stderr."""
    if quiet:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )
    bar = progress.add_task(f"sampling ({settings.sampler})", total=None, status="starting")

    def on_progress(info: dict) -> None:
        parts = [f"{info.get('steps', 0)} steps"]
        if info.get("r_minus_one") is not None:
            parts.append(f"R-1 {info['r_minus_one']:.4f}")
        if info.get("ess") is not None:
            parts.append(f"ESS {info['ess']:.0f}")
        if info.get("log_z") is not None:
            parts.append(f"ln Z {info['log_z']:.3f}")
        progress.update(
            bar, completed=info.get("steps", 0), total=info.get("total"), status=", ".join(parts)
        )

    with progress:
        yield on_progress


#: Derived values shown in the table (every one is in the chains and summary.json).
SHOWN_DERIVED = ("omegamh2", "r_drag", "hrdrag", "z_star")


def render_sample(result) -> None:
    """Priors and start, then the marginals table, the convergence line and the evidence."""
    from rich.table import Table

    console = stdout()
    title = f"{result.model} on {'+'.join(result.datasets)}: posterior ({result.sampler})"
    if result.dry_run:
        console.print(plain(f"dry run - {title}"))
        for name, prior in result.priors.items():
            console.print(plain(f"  prior {name}: {prior}"))
        console.print(plain(f"  start: {result.start}"))
        console.print(
            plain(
                f"  {result.chains} chains x {result.walkers} walkers; out: "
                f"{result.out_dir or 'a new folder in the store'}"
            )
        )
        return
    table = Table(title=plain(title))
    for column in ("parameter", "mean", "sigma", "68% limits", "95% limits", "R-1", "ESS"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    derived = [n for n in SHOWN_DERIVED if n in result.marginals]
    derived += [n for n in result.marginals if n.startswith("chi2__")]
    for name in [*result.sampled, *derived]:
        m = result.marginals[name]
        table.add_row(
            plain(name if name in result.sampled else f"{name}*"),
            fmt(m.mean, 5),
            fmt(m.sigma, 3),
            f"{fmt(m.lower68, 4)}..{fmt(m.upper68, 4)}",
            f"{fmt(m.lower95, 4)}..{fmt(m.upper95, 4)}",
            fmt(result.r_minus_one.get(name), 2),
            fmt(result.ess.get(name), 3),
        )
    console.print(table)
    priors = "; ".join(f"{name} {prior}" for name, prior in result.priors.items())
    console.print(plain(f"priors: {priors}; * derived (all derived values are in the chains)"))
    style = "green" if result.converged else "bold red"
    console.print(f"[{style}]{plain(result.convergence)}[/{style}]")
    if result.log_z is not None:
        console.print(f"ln Z = {result.log_z:.3f} +- {fmt(result.log_z_error, 2)}")
    console.print(
        plain(
            f"{result.samples} samples after a burn-in of {result.burn_in} steps; "
            f"acceptance {fmt(result.acceptance, 3)}; start: {result.start}"
        )
    )
    console.print(
        plain(
            f"run {result.run_id}: {result.evaluations} likelihood calls "
            f"({result.resumed_segments} segments resumed) on {result.scheduler}, "
            f"{result.wall_s:.1f} s; chains in {result.out_dir}"
        )
    )
