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
    """Print one result per model (JSON or ``render``), the LCDM/PBUF check when there are
    several, then every warning on stderr.

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
    consistency = None
    if len(results) > 1:
        from cosmofit.store.store import OptimizedParameterStore

        store = OptimizedParameterStore(effective.config.run.store, read_only=True)
        consistency = store.validate_cross_model_consistency(effective.config.consistency.tolerance)
    if json_output:
        print_json(
            results[0] if len(results) == 1 else {"results": results, "consistency": consistency}
        )
    else:
        for result in results:
            render(result)
        if consistency is not None:
            render_consistency(consistency)
    for result in results:
        for warning in result.warnings:
            stderr().print(f"[yellow]warning[/yellow] ({result.model}): {plain(warning)}")


def render_consistency(report) -> None:
    """The LCDM vs PBUF table of shared parameters."""
    from rich.table import Table

    table = Table(title="cross-model consistency (lcdm vs pbuf)")
    for column in ("parameter", "lcdm", "pbuf", "relative difference", "ok"):
        table.add_column(column)
    for row in report.rows:
        table.add_row(
            row.param,
            fmt(row.lcdm_value, 7),
            fmt(row.pbuf_value, 7),
            fmt(row.relative_difference, 3),
            "yes" if row.ok else "NO",
        )
    stdout().print(table)
