"""``cosmofit validate``: config, data, store (and optionally a regression re-run) checked."""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._output import JsonOpt, plain, print_json, stdout

HELP = """Check that this installation can be trusted; exit 0 when every check passes, 1 otherwise.

Rows: config (the effective configuration is valid), data (every dataset loads,
hashes match, covariances are positive definite), store (model files and
histories parse, checksums match, backups usable; with [consistency] tolerance
set, models fitted to the same data agree within that many combined sigma),
regression (--regression: re-run the latest stored optimization of each model
and confirm its chi2 and parameters), report (when an HTML report exists).

Examples:

  cosmofit validate

  cosmofit validate --regression --json
"""


def register(app: typer.Typer) -> None:
    app.command("validate", help=HELP)(validate)


def validate(
    regression: Annotated[
        bool, typer.Option("--regression", help="Re-run stored optimizations and compare.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.validation import run_validation

    report = run_validation(regression=regression)
    if json_output:
        print_json({"ok": report.ok, "rows": report.rows})
    else:
        from rich.table import Table

        colours = {"ok": "green", "warning": "yellow", "failed": "red"}
        table = Table(title="cosmofit validate")
        for column in ("check", "status", "summary"):
            table.add_column(column)
        for row in report.rows:
            table.add_row(row.name, f"[{colours[row.status]}]{row.status}[/]", plain(row.summary))
        stdout().print(table)
        failed = [row for row in report.rows if row.status == "failed"]
        warned = [row.name for row in report.rows if row.status == "warning"]
        if not report.ok:
            verdict = f"{len(failed)} check(s) failed"
        elif warned:
            verdict = f"no check failed; {len(warned)} with warnings: {', '.join(warned)}"
        else:
            verdict = "all checks passed"
        stdout().print(verdict)
        for row in failed:  # unwrapped, one line each: the message names the file and the fix
            typer.echo(f"{row.name}: {row.summary}", err=True)
    if not report.ok:
        raise typer.Exit(1)
