"""``cosmofit store``: inspect the optimized-parameter store, its history, and roll back."""

from __future__ import annotations

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
        "  cosmofit store restore lcdm --run 20261130T2059   (any unique prefix of a run id)"
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
    """Every optimization and restore of a model, oldest first, with full run ids.

    Examples:

      cosmofit store history lcdm

      cosmofit store history pbuf --limit 5 --json
    """
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
