"""PBUF "elastic spacetime": LCDM plus a saturating radiation rescaling and a tiny extra term.

The background is the reference implementation's, with the cosmological
constant chosen so that E(0) = 1 exactly. ``k_sat`` rescales radiation at
z << 1000 (shifting the sound horizon); ``alpha``, ``Rmax``, ``eps0`` and
``n_eps`` act only through the amplitude alpha*eps0/sqrt(Rmax) (at most 2e-5)
and the slope n_eps, so background data barely constrain them. With
``k_sat = 1`` and ``eps0 = 0`` the model is LCDM.

It gains the massive neutrinos of every model (``mnu``: part of Om0 today,
their own Fermi-Dirac density at all z, untouched by k_sat, which rescales
only the massless radiation). It stays flat: its closure is defined for a flat
budget, and no curvature is added to it.
"""

from __future__ import annotations

from collections.abc import Mapping

from cosmofit.models.budget import neutrino_terms
from cosmofit.models.params import COMMON_PARAMS, ParamSpec
from cosmofit.models.registry import Model, register_model

PBUF_PARAMS = (
    ParamSpec("alpha", 5e-4, (1e-6, 1e-2), label="alpha", doc="Elastic coupling strength."),
    ParamSpec(
        "Rmax",
        1e9,
        (1e6, 1e12),
        scale="log",
        label="R_max",
        doc="Saturation scale; spans six decades so it is optimized in log10.",
    ),
    ParamSpec("eps0", 0.7, (0.0, 2.0), label="epsilon_0", doc="Strain amplitude today."),
    ParamSpec(
        "n_eps", 0.0, (-2.0, 2.0), label="n_epsilon", doc="Redshift slope of the strain term."
    ),
    ParamSpec(
        "k_sat",
        0.9762,
        (0.1, 2.0),
        label="k_sat",
        doc="Late-time radiation rescaling (standard radiation for z >> 1000).",
    ),
)

#: Redshift scale of the radiation and saturation transitions.
_Z_TRANSITION = 1000.0


def pbuf_e2(z, p: Mapping[str, float], omega_r: float):
    """E(z)^2 of PBUF, with closure E(0) = 1 (see the module docstring)."""
    a = 1.0 + z
    a2 = a * a  # products, not powers, as in lcdm (the k_sat=1, eps0=0 limit stays exact)
    k_sat = p["k_sat"]
    amplitude = p["alpha"] * p["eps0"] / p["Rmax"] ** 0.5
    # radiation rescaling 1 + (k_sat - 1) g, g = 1 / (1 + a / 1000) = 1000 / (1000 + a)
    rescale = (k_sat - 1.0) * _Z_TRANSITION
    g0 = 1.0 / (1.0 + 1.0 / _Z_TRANSITION)
    q = z * (1.0 / (1.0 + _Z_TRANSITION * k_sat))
    q2 = q * q
    omega_sigma = amplitude * a ** p["n_eps"] / (1.0 + q2 * q2)  # a**0 == 1 exactly
    omega_lambda = 1.0 - p["Om0"] - omega_r * (1.0 + (k_sat - 1.0) * g0) - amplitude
    nu, nu_today = neutrino_terms(a, p)  # massive neutrinos: inside Om0 today, not rescaled
    if p.get("mnu", 0.0) != 0.0:  # one value for a whole batch
        return (
            (p["Om0"] - nu_today) * (a2 * a)
            + nu
            + omega_r * (a2 * a2) * (1.0 + rescale / (_Z_TRANSITION + a))
            + omega_sigma
            + omega_lambda
        )
    return (
        p["Om0"] * (a2 * a)
        + omega_r * (a2 * a2) * (1.0 + rescale / (_Z_TRANSITION + a))
        + omega_sigma
        + omega_lambda
    )


PBUF = register_model(
    Model(
        name="pbuf",
        description="PBUF elastic-spacetime background (LCDM for k_sat=1, eps0=0)",
        params=(*COMMON_PARAMS, *PBUF_PARAMS),
        e2=pbuf_e2,
    )
)
