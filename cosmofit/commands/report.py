"""``cosmofit report``: regenerate the optimization summary, show it, optionally as an HTML page."""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._options import StoreOpt
from cosmofit.commands._output import JsonOpt, fmt, keep_whole, plain, print_json, stderr, stdout

HELP = """Summarize the stored optimizations of every model; --html also writes a report page.

The summary (reports/optimization_summary.json in the store) is rebuilt first;
the terminal tables and the page both show its numbers. The page is one
self-contained file (inline CSS and SVG plots, nothing fetched), written with
a copy of the summary it was rendered from; it also plots every profile run
in <store>/profiles, where `cosmofit profile` puts them by default. --out and
--open imply --html.

Examples:

  cosmofit report

  cosmofit report --html --open

  cosmofit report --html --out ./report --json
"""


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP)(report)


def report(
    html: Annotated[
        bool, typer.Option("--html", help="Also write cosmofit_report.html (with plots).")
    ] = False,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", help="Folder for the page and its summary copy (default: <store>/reports)."
        ),
    ] = None,
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the web browser afterwards.")
    ] = False,
    store: StoreOpt = None,
    json_output: JsonOpt = False,
) -> None:

    from cosmofit.report.generate import generate_report
    from cosmofit.store.store import OptimizedParameterStore
    from cosmofit.userpaths import check_directory

    if out is not None:
        check_directory(out, "--out")
    from cosmofit.config import store_directory

    st = OptimizedParameterStore(store_directory(store), read_only=True)
    summary, files = generate_report(st, html=html or out is not None or open_page, out_dir=out)
    for warning in [*st.warnings, *summary["warnings"]]:
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")
    if open_page and files.html is not None:
        import webbrowser

        if not webbrowser.open(files.html.resolve().as_uri()):
            stderr().print(f"[yellow]warning[/yellow]: no browser to open {plain(files.html)}")
    if json_output:
        print_json(
            {
                "summary_file": str(files.summary),
                "html_file": None if files.html is None else str(files.html),
                "summary_sha256": files.summary_sha256,
                "summary": summary,
            }
        )
        return
    _print_tables(summary)
    console = stdout()
    console.print(f"summary: {plain(files.summary)}")
    if files.html is not None:
        console.print(f"report:  {plain(files.html)}")


def _print_tables(summary: dict) -> None:
    """The comparison table and one parameter table per model, from the summary only."""
    from rich.table import Table

    console = stdout()
    models = list(summary["models"])
    lasts = {m: summary["models"][m]["last_optimization"] for m in models}
    comparison = summary["comparison"]
    table = Table(title="model comparison")
    table.add_column("")
    for m in models:
        table.add_column(m, justify="right")
    for name in comparison["datasets"]:
        table.add_row(
            plain(name),
            *[
                "-" if lasts[m] is None else fmt(lasts[m]["chi2_by_dataset"].get(name))
                for m in models
            ],
        )
    for label, key in (("total chi2", "chi2"), ("N", "n_data"), ("k", "k"), ("AIC", "aic")):
        table.add_row(label, *["-" if lasts[m] is None else fmt(lasts[m][key]) for m in models])
    table.add_row("delta AIC", *[fmt(comparison["delta_aic"][m]) for m in models])
    keep_whole(table, *models)
    console.print(table)
    if comparison["reason"]:
        console.print(f"no delta AIC: {plain(comparison['reason'])}")
    for m in models:
        _print_model(m, summary["models"][m])
    from cosmofit.commands._output import render_comparison

    render_comparison({"tables": summary["same_data_comparison"]})


def _print_model(model: str, section: dict) -> None:
    from rich.table import Table

    last = section["last_optimization"]
    if last is None:
        stdout().print(f"[bold]{model}[/bold]: not optimized yet (built-in defaults)")
        return
    title = f"{model}: {last['dataset_tag']} run {last['run_id']} ({last['timestamp']})"
    table = Table(title=plain(title))
    for column in ("parameter", "role", "start", "final", "1-sigma", "source", "warnings"):
        table.add_column(column, justify="right" if column in ("start", "final") else "left")
    for param in section["parameters"]:
        name = param["name"]
        entry = section["defaults"][name]
        role = next((r for r in ("optimized", "frozen", "fixed") if name in last[r]), "default")
        flags = [
            flag
            for flag, names in (("at bound", "bounds_hit"), ("unconstrained", "unconstrained"))
            if name in last[names]
        ]
        table.add_row(
            name,
            role,
            fmt(last["start"].get(name)),
            fmt(last["final"].get(name, entry["value"])),
            fmt(last["errors"].get(name)),
            plain(entry["source"]),
            ", ".join(flags),
        )
    keep_whole(table, "parameter", "start", "final", "1-sigma")
    stdout().print(table)
