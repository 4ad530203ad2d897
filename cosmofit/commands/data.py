"""``cosmofit data``: list, inspect and add datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cosmofit.commands._output import JsonOpt, plain, print_json, stdout

app = typer.Typer(
    help=(
        "List, inspect and add datasets.\n\n"
        "Examples:\n\n"
        "  cosmofit data list\n\n"
        "  cosmofit data info pantheon+ --json\n\n"
        "  cosmofit data add mysn --kind sn --from Pantheon+SH0ES.dat "
        "--from Pantheon+SH0ES_STAT+SYS.cov"
    ),
    no_args_is_help=True,
)


@app.command("list")
def list_datasets(json_output: JsonOpt = False) -> None:
    """Every dataset cosmofit knows: name, aliases, kind, points, citation.

    Examples:

      cosmofit data list

      cosmofit data list --json
    """
    from cosmofit.data.registry import available_datasets

    specs = available_datasets()
    if json_output:
        print_json(specs)
        return
    from rich.table import Table

    table = Table(title="datasets")
    for column in ("name", "aliases", "kind", "points", "citation"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for spec in specs:
        table.add_row(
            spec.name, ", ".join(spec.aliases), spec.kind, str(spec.n_points), spec.citation
        )
    stdout().print(table)


@app.command("info")
def info(
    name: Annotated[str, typer.Argument(help="Dataset name or alias.")],
    json_output: JsonOpt = False,
) -> None:
    """One dataset in detail; loads it, so its checksum and covariance are verified too.

    Examples:

      cosmofit data info desi_dr2

      cosmofit data info sn --json
    """
    from cosmofit.data.loader import load_dataset
    from cosmofit.data.registry import get_dataset

    spec = get_dataset(name)
    loaded = load_dataset(spec)
    summary = {**spec.model_dump(), "verified": True, "redshift_range": loaded.redshift_range()}
    if json_output:
        print_json(summary)
        return
    console = stdout()
    for key, value in summary.items():
        console.print(f"[bold]{key}[/bold]: {plain(value)}")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name for the new dataset.")],
    kind: Annotated[str, typer.Option("--kind", help="cmb, bao or sn.")],
    files: Annotated[
        list[Path],
        typer.Option("--from", help="Release file(s), e.g. the .dat and the .cov (repeat)."),
    ],
    citation: Annotated[str | None, typer.Option("--citation", help="How to cite it.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a user dataset.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Validate release files and register them as a user dataset.

    Examples:

      cosmofit data add my_sn --kind sn --from release.dat --from release.cov

      cosmofit data add my_bao --kind bao --from bao.txt --citation "Author et al. 2025"
    """
    from cosmofit.data.loader import add_user_dataset

    spec = add_user_dataset(name, kind, files, citation=citation, overwrite=overwrite)
    if json_output:
        print_json(spec)
        return
    stdout().print(
        f"added {spec.name} ({spec.kind}, {spec.n_points} points, sha256 {spec.sha256[:12]}…)"
    )
