"""``cosmofit tension``: are two independent data combinations consistent?"""

from __future__ import annotations

from typing import Annotated

import typer

from cosmofit.commands._options import ModelOpt, SetOpt
from cosmofit.commands._output import JsonOpt, fmt, keep_whole, plain, print_json, stdout

HELP = """Parameter-difference significance between two independent data combinations.

Fits A and B separately and together. For the compared quantities (parameters
or derived quantities: omega_b, omega_bc, omega_m, h, theta_star, r_drag,
h_rdrag, ...) it prints each side's value and Hessian error, the difference
chi2 = dq^T (C_A + C_B)^-1 dq with its probability to exceed and Gaussian
sigma, the shift from A to A+B, and Q_DMAP = chi2(A+B) - chi2(A) - chi2(B).
A side that is one Gaussian prior on exactly the compared quantities (sh0es
on H0) is used as given. The numbers assume Gaussian posteriors; a fit
resting on a bound is flagged.

Examples:

  cosmofit tension desi_dr2 planck_pr4_compressed --compare Om0,h_rdrag --params H0,Om0,Obh2

  cosmofit tension cmb,bao,sn sh0es --compare H0 --model pbuf
"""


def register(app: typer.Typer) -> None:
    app.command("tension", help=HELP)(tension)


def tension(
    datasets_a: Annotated[str, typer.Argument(help="Combination A, e.g. desi_dr2.")],
    datasets_b: Annotated[str, typer.Argument(help="Combination B, e.g. planck_pr4_compressed.")],
    compare: Annotated[
        str, typer.Option("--compare", help="Quantities to compare, e.g. Om0,h_rdrag or H0.")
    ],
    model: ModelOpt = "lcdm",
    params: Annotated[
        str | None,
        typer.Option("--params", help="Parameters to fit, P1,P2 (default: all optimizable)."),
    ] = None,
    params_a: Annotated[
        str | None, typer.Option("--params-a", help="Parameters fitted on A (default: --params).")
    ] = None,
    params_b: Annotated[
        str | None, typer.Option("--params-b", help="Parameters fitted on B (default: --params).")
    ] = None,
    set_: SetOpt = None,
    starts: Annotated[int, typer.Option("--starts", min=1, help="Starts per fit.")] = 1,
    json_output: JsonOpt = False,
) -> None:
    from cosmofit.fitting.tension import parameter_tension
    from cosmofit.settings import parse_assignments, split_names

    def names(text: str | None) -> list[str] | None:
        return split_names(text) if text is not None else None

    result = parameter_tension(
        datasets_a,
        datasets_b,
        model=model,
        quantities=split_names(compare),
        params=names(params),
        params_a=names(params_a),
        params_b=names(params_b),
        fixed=parse_assignments(set_),
        starts=starts,
    )
    if json_output:
        print_json(result.to_json())
        return
    render_tension(result)


def render_tension(result) -> None:
    from rich.table import Table

    console = stdout()
    sides = (("A", result.a), ("B", result.b), ("A+B", result.joint))
    table = Table(title=plain(f"{result.model}: consistency of A and B"))
    table.add_column("")
    table.add_column("datasets")
    table.add_column("chi2_min", justify="right")
    for name in result.quantities:
        table.add_column(plain(name), justify="right")
    for label, side in sides:
        errors = side.errors()
        table.add_row(
            label,
            plain(" + ".join(side.datasets)),
            fmt(side.chi2_min, 6) if side.fitted else "(prior)",
            *[f"{fmt(side.values[n], 6)} ± {fmt(errors[n], 3)}" for n in result.quantities],
        )
    # numbers keep their width; the dataset names fold (at '+') instead
    keep_whole(table, "chi2_min", *(plain(name) for name in result.quantities))
    console.print(table)
    shifts = ", ".join(
        f"{plain(name)} {fmt(move['shift'], 3)} ({fmt(move['shift_sigma_a'], 3)} sigma of A)"
        for name, move in result.shifts().items()
    )
    console.print(f"shift from A to A+B: {shifts}")
    console.print(
        f"[bold]A vs B: chi2 = {fmt(result.chi2_diff, 4)} for {result.dof} dof,"
        f" PTE = {fmt(result.pte, 3)}, {result.sigma:.2f} sigma[/bold]"
    )
    console.print(
        f"Q_DMAP = chi2(A+B) - chi2(A) - chi2(B) = {fmt(result.q_dmap, 4)}"
        f" ({result.q_dmap_sigma:.2f} sigma for {result.dof} dof)"
    )
    for note in result.notes:
        console.print(f"note: {plain(note)}")
