"""The energy budget every model shares: matter, radiation, massive neutrinos, curvature.

E(z)^2 = Om_cb (1+z)^3 + Or (1+z)^4 + Omega_nu(z) + Ok0 (1+z)^2 + [dark energy],

with Om0 = Om_cb + Omega_nu(0) the total matter today (massive neutrinos
included, as CAMB's ``omegam``), ``Or`` the massless radiation (photons and
the massless part of Neff) and the dark energy today closing the budget,
Ode0 = 1 - Om0 - Or - Ok0, so that E(0) = 1. With mnu = 0 and Ok0 = 0 the
arithmetic is exactly that of the flat massless models (bit for bit).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cosmofit.physics.neutrinos import massive_neutrino_omega, omega_nu_h2_today


def neutrino_terms(a, p: Mapping[str, float]) -> tuple[object, float]:
    """(Omega_nu(z) at 1+z = ``a``, Omega_nu today); zero without a neutrino mass."""
    mnu = p.get("mnu", 0.0)
    if mnu == 0.0:
        return 0.0, 0.0
    h2 = (p["H0"] / 100.0) ** 2
    omega_nu = massive_neutrino_omega(a, mnu, p["Tcmb"], p["Neff"]) / h2
    today = omega_nu_h2_today(mnu, p["Tcmb"], p["Neff"]) / h2
    return omega_nu, today


def budget_without_dark_energy(a, p: Mapping[str, float], omega_r: float) -> tuple[object, float]:
    """E(z)^2 without dark energy at 1+z = ``a``, and the dark-energy density today.

    ``omega_r`` is Omega_r of the massless radiation (see :mod:`cosmofit.physics.neutrinos`
    for how Neff splits when mnu > 0).
    """
    a2 = a * a  # products, not powers: several times faster on the integration grid
    om = p["Om0"]
    ok = p.get("Ok0", 0.0)
    nu, nu_today = neutrino_terms(a, p)
    massive = p.get("mnu", 0.0) != 0.0  # one value for a whole batch
    rest = (om - nu_today) * (a2 * a) if massive else om * (a2 * a)
    rest = rest + omega_r * (a2 * a2)
    if massive:
        rest = rest + nu
    if np.any(ok != 0.0):  # a batch's Ok0 is a (P, 1) column
        rest = rest + ok * a2
    return rest, 1.0 - om - omega_r - ok
