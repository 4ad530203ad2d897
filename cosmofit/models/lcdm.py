"""Flat LCDM: matter, radiation and a cosmological constant that closes the budget."""

from __future__ import annotations

from collections.abc import Mapping

from cosmofit.models.params import COMMON_PARAMS
from cosmofit.models.registry import Model, register_model


def lcdm_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 = Om0 (1+z)^3 + Or (1+z)^4 + (1 - Om0 - Or)."""
    a = 1.0 + z
    a2 = a * a  # products, not powers: several times faster on the integration grid
    om = p["Om0"]
    return om * (a2 * a) + omega_r * (a2 * a2) + (1.0 - om - omega_r)


LCDM = register_model(
    Model(
        name="lcdm",
        description="Flat LCDM with massless neutrinos",
        params=COMMON_PARAMS,
        e2=lcdm_e2,
    )
)
