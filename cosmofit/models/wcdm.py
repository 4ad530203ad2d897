"""Flat wCDM: dark energy with a constant equation of state w (w = -1 is LCDM)."""

from __future__ import annotations

from collections.abc import Mapping

from cosmofit.models.params import COMMON_PARAMS, ParamSpec
from cosmofit.models.registry import Model, register_model

W = ParamSpec("w", -1.0, (-3.0, 0.0), label="w", doc="Dark-energy equation of state p/rho.")


def wcdm_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 = Om0 (1+z)^3 + Or (1+z)^4 + Ode (1+z)^(3(1+w)), Ode = 1 - Om0 - Or."""
    a = 1.0 + z
    a2 = a * a
    om = p["Om0"]
    de = (1.0 - om - omega_r) * a ** (3.0 * (1.0 + p["w"]))
    return om * (a2 * a) + omega_r * (a2 * a2) + de


WCDM = register_model(
    Model(
        name="wcdm",
        description="Flat wCDM (constant dark-energy equation of state)",
        params=(*COMMON_PARAMS, W),
        e2=wcdm_e2,
    )
)
