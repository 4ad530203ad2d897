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
        "--from Pantheon+SH0ES_STAT+SYS.cov\n\n"
        "  cosmofit data add mydes --kind sn --from DES-Dovekie_HD.csv --from STAT+SYS.npz\n\n"
        "  cosmofit data add h0_trgb --kind prior --param H0 --mean 69.8 --sigma 1.7"
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
            *map(plain, (spec.name, ", ".join(spec.aliases), spec.kind, spec.n_points)),
            plain(spec.citation),
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
    if spec.kind == "prior":  # what the Gaussian constrains: name, mean and 1-sigma
        data = loaded.data
        summary["constraints"] = {
            name: {"mean": float(data.values[i]), "sigma": float(data.cov[i, i] ** 0.5)}
            for i, name in enumerate(data.names)
        }
    if json_output:
        print_json(summary)
        return
    console = stdout()
    for key, value in summary.items():
        console.print(f"[bold]{key}[/bold]: {plain(value)}")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name for the new dataset.")],
    kind: Annotated[str, typer.Option("--kind", help="cmb, bao, sn or prior.")],
    files: Annotated[
        list[Path] | None,
        typer.Option("--from", help="Release file(s), e.g. the .dat and the .cov (repeat)."),
    ] = None,
    param: Annotated[
        str | None,
        typer.Option("--param", help="prior: the parameter or derived quantity, e.g. H0."),
    ] = None,
    mean: Annotated[float | None, typer.Option("--mean", help="prior: its mean.")] = None,
    sigma: Annotated[float | None, typer.Option("--sigma", help="prior: its 1-sigma.")] = None,
    citation: Annotated[str | None, typer.Option("--citation", help="How to cite it.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a user dataset.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Validate release files (or a Gaussian prior) and register them as a user dataset.

    Examples:

      cosmofit data add my_sn --kind sn --from release.dat --from release.cov

      cosmofit data add my_bao --kind bao --from bao.txt --citation "Author et al. 2025"

      cosmofit data add trgb --kind prior --param H0 --mean 69.8 --sigma 1.7
    """
    from cosmofit.data.loader import add_user_dataset, add_user_prior
    from cosmofit.data.registry import user_data_dir
    from cosmofit.errors import UsageError
    from cosmofit.safeio import DATA_FILE_LIMIT
    from cosmofit.userpaths import check_directory, check_input_file

    check_directory(user_data_dir(), "dataset folder (COSMOFIT_DATA_DIR)")
    prior_options = {"--param": param, "--mean": mean, "--sigma": sigma}
    if kind == "prior":
        missing = [option for option, value in prior_options.items() if value is None]
        if missing or files:
            raise UsageError(
                "a prior needs --param, --mean and --sigma and no --from"
                + (f" (missing {', '.join(missing)})" if missing else "")
            )
        _check_prior_quantity(param)
        spec = add_user_prior(name, param, mean, sigma, citation=citation, overwrite=overwrite)
    else:
        given = [option for option, value in prior_options.items() if value is not None]
        if given:
            raise UsageError(f"{', '.join(given)} only apply to --kind prior")
        if not files:
            raise UsageError(f"a {kind} dataset needs its release files: pass --from FILE")
        files = [check_input_file(file, "--from", DATA_FILE_LIMIT) for file in files]
        spec = add_user_dataset(name, kind, files, citation=citation, overwrite=overwrite)
    if json_output:
        print_json(spec)
        return
    stdout().print(
        plain(
            f"added {spec.name} ({spec.kind}, {spec.n_points} points, sha256 {spec.sha256[:12]}…)"
        )
    )


def _check_prior_quantity(param: str) -> None:
    """Refuse a quantity no model has; fits check it again against their own model."""
    from cosmofit.errors import ParameterError
    from cosmofit.likelihoods.prior import DERIVED_QUANTITIES
    from cosmofit.models.registry import available_models, get_model

    known = dict.fromkeys(DERIVED_QUANTITIES)
    for model in available_models():
        known.update(dict.fromkeys(get_model(model).param_names))
    if param not in known:
        raise ParameterError(
            f"--param {param!r} is neither a model parameter nor a derived quantity;"
            f" use one of {', '.join(known)}"
        )
