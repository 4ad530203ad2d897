"""w0waCDM (CPL): w(a) = w0 + wa (1 - a), the DESI DR2 dark-energy model.

rho_DE(z)/rho_DE(0) = (1+z)^(3(1+w0+wa)) exp(-3 wa z/(1+z)). With w0 = -1,
wa = 0 both factors are exactly 1 and the model is LCDM bit for bit. A point
with w0 + wa >= 0 has dark energy that does not dilute faster than matter at
early times (it would dominate the early universe): it is unphysical.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from cosmofit.models.budget import budget_without_dark_energy
from cosmofit.models.params import COMMON_PARAMS, OK0, ParamSpec
from cosmofit.models.registry import Model, register_model

W0WA_PARAMS = (
    ParamSpec("w0", -1.0, (-3.0, 1.0), label="w_0", doc="Dark-energy equation of state today."),
    ParamSpec("wa", 0.0, (-3.0, 2.0), label="w_a", doc="Slope of w in the scale factor, dw/d(-a)."),
)


def w0wa_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 = [matter, radiation, neutrinos, curvature] + Ode0 f_DE(z) (CPL)."""
    a = 1.0 + z
    rest, omega_de = budget_without_dark_energy(a, p, omega_r)
    w0, wa = p["w0"], p["wa"]
    evolution = a ** (3.0 * (1.0 + w0 + wa)) * np.exp(-3.0 * wa * (z / a))
    return rest + omega_de * evolution


def w0wa_unphysical(p: Mapping[str, float]) -> str | None:
    """The reason a point is unphysical, or None."""
    total = p["w0"] + p["wa"]
    if not math.isfinite(total) or total >= 0.0:
        return (
            f"w0 + wa = {total:g} >= 0: dark energy would dominate at early times "
            "(choose w0 + wa < 0)"
        )
    return None


W0WA = register_model(
    Model(
        name="w0wa",
        description="w0waCDM (CPL dark energy w = w0 + wa (1 - a))",
        params=(*COMMON_PARAMS, *W0WA_PARAMS, OK0),
        e2=w0wa_e2,
        unphysical=w0wa_unphysical,
    )
)
