"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="A registered model, e.g. lcdm.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Set a parameter's start or fixed value, NAME=VALUE (repeatable)."
    ),
]
ExactOpt = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="Dense supernova chi2 (the reference form; same value to 1e-6, ~20x slower).",
    ),
]
CovScaleOpt = Annotated[
    float | None,
    typer.Option(
        "--cov-scale", help="Multiply every covariance by S (chi2 -> chi2/S).", show_default="1"
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store directory (default: $COSMOFIT_STORE or the user data dir).",
        show_default=False,
    ),
]

DatasetsArg = Annotated[
    str | None,
    typer.Argument(help="Datasets, e.g. cmb or cmb,bao,sn or joint (default: [run] datasets)."),
]
ModelOrAllOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="A registered model, or all of them.", show_default="lcdm"),
]
