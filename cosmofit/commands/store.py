"""``cosmofit store``: inspect the optimized-parameter store, its history, and roll back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cosmofit.commands._options import StoreOpt
from cosmofit.commands._output import (
    JsonOpt,
    fmt,
    keep_whole,
    plain,
    print_json,
    stderr,
    stdout,
)

app = typer.Typer(
    help=(
        "Inspect and restore optimized parameters.\n\n"
        "Examples:\n\n"
        "  cosmofit store show\n\n"
        "  cosmofit store history lcdm --limit 5\n\n"
        "  cosmofit store restore lcdm --run 20261130T2059   (any unique prefix of a run id)\n\n"
        "  cosmofit store export 20261130T101502Z-3fa9c1 --format cobaya"
    ),
    no_args_is_help=True,
)

ModelArg = Annotated[str, typer.Argument(help="Model name, e.g. lcdm (any registered model).")]


def _open(store_dir):
    from cosmofit.config import store_directory
    from cosmofit.store.store import OptimizedParameterStore

    return OptimizedParameterStore(store_directory(store_dir))


def _print_warnings(store) -> None:
    for warning in store.warnings:
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")


@app.command("show")
def show(
    model: Annotated[
        str | None, typer.Argument(help="Model (default: every registered model).")
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also compare models fitted to the same data, in combined 1-sigma.",
        ),
    ] = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Current defaults of each model: value, source dataset tag and run.

    Examples:

      cosmofit store show

      cosmofit store show pbuf --json

      cosmofit store show --compare
    """
    from cosmofit.models.registry import available_models, get_model

    st = _open(store)
    models = [get_model(model).name] if model else list(available_models())
    documents = {m: st.get_model_defaults(m) for m in models}
    comparison = None
    if compare:
        from cosmofit.config import load_config
        from cosmofit.report.agreement import store_comparison

        tolerance = load_config().config.consistency.tolerance
        comparison = store_comparison(st, available_models(), tolerance)
    _print_warnings(st)
    if json_output:
        print_json(documents if comparison is None else {**documents, "comparison": comparison})
        return
    from rich.table import Table

    for m, entries in documents.items():
        table = Table(title=plain(f"{m} defaults ({st.root})"))
        # the run id starts with its UTC time; --json also has the timestamp
        for column in ("parameter", "value", "source", "run", "method"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for name, entry in entries.items():
            table.add_row(
                name,
                fmt(entry.value, 8),
                # the restored run's id is in `store history` and --json
                "restored" if entry.source.startswith("restore:") else plain(entry.source),
                plain(entry.run_id or "-"),
                plain(entry.method or "-"),
                style=None if entry.source == "default" else "bold",
            )
        keep_whole(table, "parameter", "value", "run")
        stdout().print(table)
    if comparison is not None:
        from cosmofit.commands._output import render_comparison

        render_comparison(comparison)
        for warning in comparison["warnings"]:
            stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")


@app.command("history")
def history(
    model: ModelArg,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="Show only the newest N.")
    ] = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Every optimization, restore and sampling run of a model, oldest first, with full run ids.

    Examples:

      cosmofit store history lcdm

      cosmofit store history pbuf --limit 5 --json
    """
    from cosmofit.errors import UsageError
    from cosmofit.models.registry import get_model
    from cosmofit.store.samples import read_sample_records

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    st = _open(store)
    name = get_model(model).name
    records = st.get_optimization_history(name)
    samples, problems = read_sample_records(st.root, name)
    st.warnings.extend(problems)
    _print_warnings(st)
    merged = sorted([*records, *samples], key=lambda r: r.timestamp)
    if limit is not None:
        merged = merged[-limit:]
    records = [r for r in merged if r.kind != "sample"]
    samples = [r for r in merged if r.kind == "sample"]
    if json_output:
        print_json(merged)
        return
    from rich import box
    from rich.table import Table

    unapplied = {r.run_id for r in st.unapplied_records(get_model(model).name)}
    table = Table(
        title=f"{model} history ({len(records)} records)", box=box.SIMPLE_HEAD, show_edge=False
    )
    # the run id starts with its UTC time; --json also has the timestamp
    # method and the restored run are in --json; 80 columns keep every id and number whole
    for column in ("run", "datasets", "optimized", "chi2 start", "chi2"):
        table.add_column(column, justify="right" if column.startswith("chi2") else "left")
    for r in records:
        moved = plain(", ".join(r.optimized)) if r.kind == "optimization" else "(restore)"
        table.add_row(
            plain(r.run_id),
            plain(r.dataset_tag),
            f"{moved} (never applied)" if r.run_id in unapplied else moved,
            fmt(r.chi2_start),
            fmt(r.chi2),
        )
    keep_whole(table, "run", "chi2 start", "chi2")
    stdout().print(table)
    if samples:
        render_sample_runs(model, samples)


def render_sample_runs(model: str, samples) -> None:
    """The sampling runs of a model: convergence, evidence and where the chains are."""
    from rich.table import Table

    table = Table(title=f"{model} sampling runs ({len(samples)})")
    for column in ("run", "timestamp", "datasets", "sampler", "sampled", "converged", "ln Z"):
        table.add_column(column)
    for r in samples:
        converged = "yes" if r.converged else "NO"
        if r.r_minus_one is not None:
            converged += f" (R-1 {r.r_minus_one:.3g})"
        log_z = "-" if r.log_z is None else f"{r.log_z:.3f} +- {fmt(r.log_z_error, 2)}"
        table.add_row(
            r.run_id,
            r.timestamp,
            plain(r.dataset_tag),
            r.sampler,
            ",".join(r.sampled),
            converged,
            log_z,
        )
    stdout().print(table)


@app.command("restore")
def restore(
    model: ModelArg,
    run: Annotated[str | None, typer.Option("--run", help="Run id from `store history`.")] = None,
    backup: Annotated[
        str | None, typer.Option("--backup", help="Backup file name (see `store backups`).")
    ] = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Roll a model's defaults back to a recorded run or a backup (itself recorded in history).

    A run restores what it optimized (and the --set values it was conditioned
    on); --run takes any unique prefix of a run id, as `store history` shows it.

    Examples:

      cosmofit store restore lcdm --run 20261130T2059

      cosmofit store restore pbuf --backup pbuf.20261130T205948Z.json
    """
    from cosmofit.errors import UsageError
    from cosmofit.models.registry import get_model

    if (run is None) == (backup is None):
        raise UsageError("give exactly one of --run RUN_ID or --backup NAME")
    st = _open(store)
    document = st.restore(get_model(model).name, run_id=run, backup=backup)
    _print_warnings(st)
    if json_output:
        print_json(document)
        return
    last = st.get_optimization_history(document.model, limit=1)[-1]
    restored = ", ".join(name for name in last.final if last.final[name] != last.start[name])
    console = stdout()
    console.print(
        plain(
            f"restored {model} from {'run ' if run else 'backup '}{last.restored_from}"
            + (f" ({restored})" if restored else "; no value changed")
        ),
        soft_wrap=True,
    )


@app.command("backups")
def backups(model: ModelArg, store: StoreOpt = None, json_output: JsonOpt = False) -> None:
    """Backup files of a model, newest last (names for `store restore --backup`).

    Examples:

      cosmofit store backups lcdm
    """
    from cosmofit.models.registry import get_model

    names = _open(store).list_backups(get_model(model).name)
    if json_output:
        print_json(names)
        return
    for name in names:
        stdout().print(plain(name))


@app.command("path")
def path(store: StoreOpt = None, json_output: JsonOpt = False) -> None:
    """Where the store lives ($COSMOFIT_STORE, --store, or the user data directory).

    Examples:

      cosmofit store path

      cosmofit store path --json
    """
    from cosmofit.config import store_directory
    from cosmofit.store.store import resolve_store_root

    root = resolve_store_root(store_directory(store))
    if json_output:
        print_json({"store": str(root)})
        return
    typer.echo(str(root))


@app.command("export")
def export(
    run: Annotated[str, typer.Argument(help="Run id of an optimization (`store history`).")],
    format_: Annotated[
        str, typer.Option("--format", help="getdist (cosmofit names) or cobaya (Cobaya's names).")
    ] = "getdist",
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for the files (default: here).")
    ] = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Write RUN.minimum (best fit, GetDist/CosmoMC format) and RUN.covmat (inverse Hessian).

    The covariance is the inverse Hessian of chi2/2 at the stored best fit, so a
    Cobaya or MontePython run can start from it (e.g. Cobaya's `covmat:` and
    `ref:` from the .minimum). Parameters the Hessian leaves unconstrained are
    left out of the .covmat and listed.

    Example: cosmofit store export 20261130T101502Z-3fa9c1 --format cobaya --out seeds/
    """
    from cosmofit.fitting.export import export_run

    st = _open(store)
    result = export_run(st, run, format_, out or Path.cwd())
    _print_warnings(st)
    if json_output:
        print_json(result)
        return
    for path in result.files:
        stdout().print(plain(f"wrote {path}"))
    if result.left_out:
        stderr().print(
            f"[yellow]warning[/yellow]: left out of the .covmat (unconstrained): "
            f"{plain(', '.join(result.left_out))}"
        )
