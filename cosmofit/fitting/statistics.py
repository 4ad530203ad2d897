"""Goodness-of-fit numbers reported with every fit (PHYSICS.md section 6)."""

from __future__ import annotations

import math

from pydantic import BaseModel


class FitStatistics(BaseModel):
    """chi^2 summary: N data, k free parameters, dof = N - k, AIC and BIC."""

    chi2: float
    n_data: int
    n_free: int
    dof: int
    reduced_chi2: float | None
    aic: float
    bic: float


def fit_statistics(chi2: float, n_data: int, n_free: int) -> FitStatistics:
    """AIC = chi2 + 2k, BIC = chi2 + k ln N; reduced chi2 is undefined when dof <= 0."""
    dof = n_data - n_free
    return FitStatistics(
        chi2=chi2,
        n_data=n_data,
        n_free=n_free,
        dof=dof,
        reduced_chi2=chi2 / dof if dof > 0 else None,
        aic=chi2 + 2.0 * n_free,
        bic=chi2 + n_free * math.log(n_data) if n_data > 0 else math.nan,
    )
