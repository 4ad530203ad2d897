"""Terminal output shared by the commands: data to stdout, messages to stderr.

``--json`` prints ``model_dump_json()`` of the same result object a table
renders, so the two never disagree.
"""

from __future__ import annotations

import contextlib
import math
from typing import Annotated, Any

import typer

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")
]


def stdout():
    from rich.console import Console

    return Console(highlight=False)


def stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # messages stay one line


def print_json(result: Any) -> None:
    """Write a result (pydantic model, or lists and dicts of them) to stdout as strict JSON."""
    import json

    from cosmofit.jsonsafe import json_safe

    typer.echo(json.dumps(json_safe(result), indent=2, allow_nan=False))


def fmt(value: float | None, digits: int = 6) -> str:
    """Compact number formatting for tables."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def plain(value: object) -> str:
    """Text shown literally in a rich table (``M_best[pantheon+]`` is not markup)."""
    from rich.markup import escape

    return escape(str(value))


def emit_results(results: list, effective, *, json_output: bool, render) -> None:
    """Print one result per model (JSON or ``render``), then - when several models were
    fitted to the same data - their shared parameters in combined sigma, then every
    warning on stderr.

    A terminal or pipe that cannot be written (full disk behind a redirect, closed
    pipe) does not undo a stored run: the exit code stays 0 when every result is in
    the store, so a retry does not duplicate it.
    """
    try:
        _emit_results(results, effective, json_output=json_output, render=render)
    except OSError as error:
        stored = [result.run_id for result in results if getattr(result, "stored", False)]
        if len(stored) < len(results):
            raise
        with contextlib.suppress(OSError):
            typer.echo(
                f"warning: stored as run {', '.join(stored)}, but the output could not be "
                f"written ({error.strerror or error}); see `cosmofit store history`",
                err=True,
            )


def _emit_results(results: list, effective, *, json_output: bool, render) -> None:
    comparison = None
    if len(results) > 1 and all(hasattr(r, "optimized") for r in results):
        from cosmofit.report.agreement import same_data_comparison

        comparison = same_data_comparison(
            {r.model: [_as_record(r)] for r in results}, effective.config.consistency.tolerance
        )
    if json_output:
        print_json(
            results[0] if len(results) == 1 else {"results": results, "comparison": comparison}
        )
    else:
        for result in results:
            render(result)
        if comparison is not None:
            render_comparison(comparison)
    for result in results:
        for warning in result.warnings:
            stderr().print(f"[yellow]warning[/yellow] ({result.model}): {plain(warning)}")
    for warning in (comparison or {}).get("warnings", []):
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")


def _as_record(result):
    """An optimization result seen as the history record it becomes (for the comparison)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        kind="optimization",
        run_id=result.run_id,
        dataset_tag=result.dataset_tag,
        cov_scale=result.cov_scale,
        chi2=result.chi2["total"],
        optimized=result.optimized,
        final=result.params,
        errors=result.errors,
        bounds_hit=result.bounds_hit,
    )


def render_comparison(comparison: dict) -> None:
    """One table per dataset tag fitted by two models: shared parameters in combined sigma."""
    from rich.table import Table

    console = stdout()
    if not comparison["tables"]:
        console.print("no dataset fitted by two models: nothing to compare")
    for t in comparison["tables"]:
        table = Table(
            title=plain(f"{t['dataset_tag']}: {t['model_b']} - {t['model_a']} (combined 1-sigma)")
        )
        for column in ("parameter", t["model_a"], t["model_b"], "difference", "in sigma", "note"):
            table.add_column(
                plain(column), justify="left" if column in ("parameter", "note") else "right"
            )
        for row in t["rows"]:
            table.add_row(
                row["param"],
                fmt(row["value_a"], 7),
                fmt(row["value_b"], 7),
                fmt(row["difference"], 3),
                fmt(row["shift_sigma"], 3),
                plain(row["note"]),
            )
        keep_whole(table, "parameter", t["model_a"], t["model_b"], "difference", "in sigma")
        console.print(table)


def keep_whole(table, *names: str) -> None:
    """Never cut or wrap the cells of the named columns (numbers, run ids): they keep their
    full width and the text columns fold instead, however narrow the terminal."""
    for column in table.columns:
        header = str(column.header)
        if header in names:
            cells = [len(str(cell)) for cell in column.cells]
            column.no_wrap = True
            column.min_width = max([len(header), *cells])
        else:  # fold at spaces; a word is split only if it is longer than 16 characters
            words = [len(word) for cell in column.cells for word in str(cell).split()]
            column.min_width = min(max([len(header.split()[0]) if header else 0, *words]), 16)
            column.overflow = "fold"


def print_items(console, items: list[str]) -> None:
    """``a = 1  b = 2 ...`` wrapped only between items, so no number is split across lines."""
    line = ""
    for item in items:
        candidate = f"{line}  {item}" if line else item
        if line and len(candidate) > console.width:
            console.print(plain(line), soft_wrap=True)
            candidate = item
        line = candidate
    if line:
        console.print(plain(line), soft_wrap=True)
