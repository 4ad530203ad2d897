"""``cosmofit store``: inspect the optimized-parameter store, its history, and roll back."""

from __future__ import annotations

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
        "  cosmofit store restore lcdm --run 3f2a9c1b7d4e"
    ),
    no_args_is_help=True,
)

ModelArg = Annotated[str, typer.Argument(help="Model name (any registered model).")]


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
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Current defaults of each model: value, source dataset tag, run and date."""
    from cosmofit.models.registry import available_models, get_model

    st = _open(store)
    models = [get_model(model).name] if model else list(available_models())
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
                plain(entry.run_id or "-"),
                plain(entry.timestamp or "-"),
                plain(entry.method or "-"),
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
    """Every optimization and restore of a model, oldest first."""
    from cosmofit.errors import UsageError
    from cosmofit.models.registry import get_model

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    st = _open(store)
    records = st.get_optimization_history(get_model(model).name, limit=limit)
    _print_warnings(st)
    if json_output:
        print_json(records)
        return
    from rich.table import Table

    unapplied = {r.run_id for r in st.unapplied_records(get_model(model).name)}
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
            plain(r.run_id),
            f"{r.kind} (never applied)" if r.run_id in unapplied else r.kind,
            plain(r.timestamp),
            plain(r.dataset_tag),
            plain(",".join(r.optimized)),
            fmt(r.chi2_start),
            fmt(r.chi2),
            plain(r.method),
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
    stdout().print(
        plain(f"restored {model} from {'run ' + run if run else 'backup ' + str(backup)}")
    )


@app.command("backups")
def backups(model: ModelArg, store: StoreOpt = None, json_output: JsonOpt = False) -> None:
    """Backup files of a model, newest last (names for `store restore --backup`)."""
    from cosmofit.models.registry import get_model

    names = _open(store).list_backups(get_model(model).name)
    if json_output:
        print_json(names)
        return
    for name in names:
        stdout().print(plain(name))


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
