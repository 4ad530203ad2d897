"""Goodness-of-fit numbers reported with every fit (PHYSICS.md section 6).

k, the number of free parameters in dof, AIC and BIC, is the number of
directions the data constrain: the rank of the chi^2 Hessian at the optimum
(plus one profiled magnitude offset per supernova dataset), not the number of
parameters the optimizer moved. A parameter no observable depends on (ns on
background data), or a combination the data cannot split, moves without
costing a degree of freedom. ``n_moved`` keeps the number moved beside it.
"""

from __future__ import annotations

import math

from pydantic import BaseModel


class FitStatistics(BaseModel):
    """chi^2 summary: N data, k constrained parameters, dof = N - k, AIC and BIC."""

    chi2: float
    n_data: int
    n_free: int
    #: Parameters the optimizer moved (k counts only the constrained directions among them).
    n_moved: int | None = None
    dof: int
    reduced_chi2: float | None
    aic: float
    bic: float


def fit_statistics(
    chi2: float, n_data: int, n_free: int, n_moved: int | None = None
) -> FitStatistics:
    """AIC = chi2 + 2k, BIC = chi2 + k ln N; reduced chi2 is undefined when dof <= 0."""
    dof = n_data - n_free
    return FitStatistics(
        chi2=chi2,
        n_data=n_data,
        n_free=n_free,
        n_moved=n_moved,
        dof=dof,
        reduced_chi2=chi2 / dof if dof > 0 else None,
        aic=chi2 + 2.0 * n_free,
        bic=chi2 + n_free * math.log(n_data) if n_data > 0 else math.nan,
    )


def dof_warning(stats: FitStatistics) -> str | None:
    """The warning that must accompany a fit with no degrees of freedom left."""
    if stats.dof > 0:
        return None
    return (
        f"dof = N - k = {stats.n_data} - {stats.n_free} = {stats.dof}: the data cannot test "
        "this fit (reduced chi2 undefined, chi2 near 0 by construction)"
    )
