"""``cosmofit store``: inspect the optimized-parameter store, its history, and roll back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cosmofit.commands._options import StoreOpt
from cosmofit.commands._output import JsonOpt, fmt, plain, print_json, stderr, stdout

app = typer.Typer(
    help=(
        "Inspect and restore optimized parameters.\n\n"
        "Examples:\n\n"
        "  cosmofit store show\n\n"
        "  cosmofit store history lcdm --limit 5\n\n"
        "  cosmofit store restore lcdm --run 3f2a9c1b7d4e\n\n"
        "  cosmofit store export 20261130T101502Z-3fa9c1 --format cobaya"
    ),
    no_args_is_help=True,
)

ModelArg = Annotated[str, typer.Argument(help="Model name: lcdm or pbuf.")]


def _open(store_dir):
    from cosmofit.config import store_directory
    from cosmofit.store.store import OptimizedParameterStore

    return OptimizedParameterStore(store_directory(store_dir))


def _print_warnings(store) -> None:
    for warning in store.warnings:
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")


@app.command("show")
def show(
    model: Annotated[str | None, typer.Argument(help="Model (default: lcdm and pbuf).")] = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Current defaults of each model: value, source dataset tag, run and date."""
    from cosmofit.models.registry import get_model

    st = _open(store)
    models = [get_model(model).name] if model else ["lcdm", "pbuf"]
    documents = {m: st.get_model_defaults(m) for m in models}
    _print_warnings(st)
    if json_output:
        print_json(documents)
        return
    from rich.table import Table

    for m, entries in documents.items():
        table = Table(title=plain(f"{m} defaults ({st.root})"))
        for column in ("parameter", "value", "source", "run", "timestamp", "method"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for name, entry in entries.items():
            table.add_row(
                name,
                fmt(entry.value, 8),
                plain(entry.source),
                entry.run_id or "-",
                entry.timestamp or "-",
                entry.method or "-",
                style=None if entry.source == "default" else "bold",
            )
        stdout().print(table)


@app.command("history")
def history(
    model: ModelArg,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="Show only the newest N.")
    ] = None,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Every optimization, restore and sampling run of a model, oldest first."""
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
    from rich.table import Table

    table = Table(title=f"{model} history ({len(records)} records)")
    for column in (
        "run",
        "kind",
        "timestamp",
        "datasets",
        "optimized",
        "chi2 start",
        "chi2",
        "method",
    ):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.run_id,
            r.kind,
            r.timestamp,
            plain(r.dataset_tag),
            ",".join(r.optimized),
            fmt(r.chi2_start),
            fmt(r.chi2),
            r.method,
        )
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
    """Roll a model's defaults back to a recorded run or a backup (itself recorded in history)."""
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
    stdout().print(f"restored {model} from {'run ' + run if run else 'backup ' + str(backup)}")


@app.command("backups")
def backups(model: ModelArg, store: StoreOpt = None, json_output: JsonOpt = False) -> None:
    """Backup files of a model, newest last (names for `store restore --backup`)."""
    from cosmofit.models.registry import get_model

    names = _open(store).list_backups(get_model(model).name)
    if json_output:
        print_json(names)
        return
    for name in names:
        stdout().print(name)


@app.command("path")
def path(store: StoreOpt = None, json_output: JsonOpt = False) -> None:
    """Where the store lives."""
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
