"""LCDM: matter, radiation, massive neutrinos, curvature and a cosmological constant."""

from __future__ import annotations

from collections.abc import Mapping

from cosmofit.models.budget import budget_without_dark_energy
from cosmofit.models.params import COMMON_PARAMS, OK0
from cosmofit.models.registry import Model, register_model


def lcdm_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 = [matter, radiation, neutrinos, curvature] + (1 - Om0 - Or - Ok0)."""
    rest, omega_lambda = budget_without_dark_energy(1.0 + z, p, omega_r)
    return rest + omega_lambda


LCDM = register_model(
    Model(
        name="lcdm",
        description="LCDM (flat unless Ok0 is set; massless neutrinos unless mnu is set)",
        params=(*COMMON_PARAMS, OK0),
        e2=lcdm_e2,
    )
)
