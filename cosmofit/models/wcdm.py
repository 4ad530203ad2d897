"""wCDM: dark energy with a constant equation of state w (w = -1 is LCDM)."""

from __future__ import annotations

from collections.abc import Mapping

from cosmofit.models.budget import budget_without_dark_energy
from cosmofit.models.params import COMMON_PARAMS, OK0, ParamSpec
from cosmofit.models.registry import Model, register_model

W = ParamSpec("w", -1.0, (-3.0, 0.0), label="w", doc="Dark-energy equation of state p/rho.")


def wcdm_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 = [matter, radiation, neutrinos, curvature] + Ode0 (1+z)^(3(1+w))."""
    a = 1.0 + z
    rest, omega_de = budget_without_dark_energy(a, p, omega_r)
    return rest + omega_de * a ** (3.0 * (1.0 + p["w"]))


WCDM = register_model(
    Model(
        name="wcdm",
        description="wCDM (constant dark-energy equation of state)",
        params=(*COMMON_PARAMS, W, OK0),
        e2=wcdm_e2,
    )
)
