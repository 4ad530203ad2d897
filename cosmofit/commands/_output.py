"""Terminal output shared by the commands: data to stdout, messages to stderr.

``--json`` prints ``model_dump_json()`` of the same result object a table
renders, so the two never disagree.
"""

from __future__ import annotations

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

    return Console(stderr=True, highlight=False)


def print_json(result: Any) -> None:
    """Write a pydantic result (or a plain JSON-able object) to stdout."""
    if hasattr(result, "model_dump_json"):
        typer.echo(result.model_dump_json(indent=2))
    else:
        import json

        typer.echo(json.dumps(result, indent=2, allow_nan=False))


def fmt(value: float | None, digits: int = 6) -> str:
    """Compact number formatting for tables."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"
