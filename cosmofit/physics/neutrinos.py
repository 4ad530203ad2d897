"""Massive neutrinos: the exact Fermi-Dirac energy density, tabulated once.

The neutrino content follows CAMB 2.0.5 with ``num_massive_neutrinos=1`` (the
Planck 2018 / DESI baseline): the whole mass sum ``mnu`` sits in one eigenstate
of degeneracy g = 3.044/3 (CAMB's ``nu_mass_degeneracies[0]`` =
``standard_neutrino_neff / 3``), and the rest of Neff, Neff - g, stays massless
(CAMB's ``num_nu_massless``). The degeneracy counts the massive state as a
thermal species of temperature g^(1/4) T_nu0, so its relativistic density is g
times that of one standard neutrino and its particle number g^(3/4) times; its
mass-to-temperature ratio in units of the standard T_nu0 is therefore
mnu g^(-1/4) / (k_B T_nu0), with T_nu0 = (4/11)^(1/3) Tcmb.

Its density relative to the same species were it massless is

    F(y) / F(0),  F(y) = int_0^inf q^2 sqrt(q^2 + y^2) / (e^q + 1) dq,
    y = m a / (k_B T_nu0),

the relativistic-to-non-relativistic integral without any fitting formula.
F(y)/F(0) is integrated once (Gauss-Legendre panels) on a grid uniform in
ln y and interpolated with cubic Hermite polynomials that use the exact slope;
below the table it is 1 and above it the large-y expansion holds, both to far
below 1e-9. The interpolation is accurate to better than 1e-9 relative (tests
check 1e-7 against adaptive quadrature).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np

from cosmofit.physics.constants import NEUTRINO_PER_PHOTON, omega_gamma_h2

#: CAMB's ``standard_neutrino_neff`` (constants.default_nnu in CAMB 2.0.5).
STANDARD_NEFF = 3.044
#: Degeneracy of the one massive eigenstate (CAMB's nu_mass_degeneracies[0]).
MASSIVE_DEGENERACY = STANDARD_NEFF / 3.0
#: Boltzmann constant [eV/K] (CODATA 2018, exact).
K_B_EV_PER_K = 8.617333262e-5
#: T_nu0 / Tcmb for instantaneous decoupling.
T_NU_OVER_T_CMB = (4.0 / 11.0) ** (1.0 / 3.0)

#: F(0) = 7 pi^4 / 120 and the moments I_n = int q^n/(e^q+1) dq = (1 - 2^-n) n! zeta(n+1)
#: that give the expansions outside the table.
_F0 = 7.0 * math.pi**4 / 120.0
_ZETA3, _ZETA5, _ZETA7 = 1.2020569031595942, 1.0369277551433699, 1.0083492773819228
_I2 = 1.5 * _ZETA3
_I4 = 22.5 * _ZETA5
_I6 = 708.75 * _ZETA7

#: The table: ln y from ln(1e-5) to about ln(1e5) in steps of 0.02. Below it the
#: ratio is 1 to within 7e-12 (the table's first value is used); above it the
#: large-y expansion takes over.
_LN_Y_MIN = math.log(1e-5)
_LN_Y_STEP = 0.02
_N_TABLE = 1152
_LN_Y_MAX = _LN_Y_MIN + _LN_Y_STEP * (_N_TABLE - 1)
#: Largest table coordinate u = (ln y - ln y_min)/step still inside the last interval.
_U_LAST = (_N_TABLE - 1) * (1.0 - 1e-15)


def _quadrature_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights for q in [0, 80], panels refined towards q = 0."""
    gl_x, gl_w = np.polynomial.legendre.leggauss(16)
    edges = np.concatenate(([0.0], np.geomspace(1e-4, 80.0, 121)))
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * gl_x[None, :]).ravel()
    weights = (half[:, None] * gl_w[None, :]).ravel()
    return nodes, weights


def fermi_dirac_integrals(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F(y) and dF/dy by direct quadrature (the table is built from these)."""
    q, w = _quadrature_nodes()
    occupation = w * q * q / (np.exp(q) + 1.0)
    y = np.asarray(y, dtype=float)[:, None]
    energy = np.sqrt(q[None, :] ** 2 + y * y)
    return (energy * occupation).sum(axis=1), ((y / energy) * occupation).sum(axis=1)


@cache
def _cubic_coefficients() -> np.ndarray:
    """Per table interval, the cubic c0 + c1 t + c2 t^2 + c3 t^3 (t in [0, 1]) of F/F0.

    It is the Hermite cubic through the two end values with the exact slopes
    d(F/F0)/d ln y, rewritten as one row per interval so that an evaluation
    indexes four contiguous coefficient arrays (rows: c0, c1, c2, c3).
    """
    y = np.exp(_LN_Y_MIN + _LN_Y_STEP * np.arange(_N_TABLE))
    f, df_dy = fermi_dirac_integrals(y)
    value = f / _F0
    slope = _LN_Y_STEP * y * df_dy / _F0  # per unit t
    v0, v1, s0, s1 = value[:-1], value[1:], slope[:-1], slope[1:]
    return np.stack((v0, s0, 3.0 * (v1 - v0) - 2.0 * s0 - s1, 2.0 * (v0 - v1) + s0 + s1))


def density_ratio(y) -> np.ndarray:
    """F(y)/F(0): a massive species' density over what it would be if massless.

    ``y`` = m a / (k_B T_nu0) (any non-negative array). 1 for y -> 0, ~0.3173 y for y >> 1.
    """
    y = np.asarray(y, dtype=float)
    shape = y.shape
    y = y.reshape(-1)
    coefficients = _cubic_coefficients()
    u = np.log(np.maximum(y, 1e-300))
    u -= _LN_Y_MIN
    u *= 1.0 / _LN_Y_STEP
    np.maximum(u, 0.0, out=u)
    np.minimum(u, _U_LAST, out=u)
    i = u.astype(np.intp)
    t = u - i
    c0, c1, c2, c3 = coefficients
    out = c3[i] * t
    out += c2[i]
    out *= t
    out += c1[i]
    out *= t
    out += c0[i]
    if y.size and float(y.max()) > math.exp(_LN_Y_MAX):
        large = y > math.exp(_LN_Y_MAX)
        yl = y[large]
        out[large] = (yl * _I2 + _I4 / (2.0 * yl) - _I6 / (8.0 * yl**3)) / _F0
    return out.reshape(shape)


def neff_split(neff: float) -> tuple[float, float]:
    """(degeneracy of the massive eigenstate, massless Neff), as CAMB splits Neff."""
    g = min(MASSIVE_DEGENERACY, neff)
    return g, neff - g


def massless_neff(neff: float, mnu: float) -> float:
    """The part of Neff that is massless radiation: all of it when mnu = 0."""
    return neff if mnu == 0.0 else neff_split(neff)[1]


def mass_over_temperature(mnu: float, tcmb: float, neff: float) -> float:
    """y today: the eigenstate's mass over k_B T_nu0, with the degeneracy's g^(-1/4)."""
    g = neff_split(neff)[0]
    return mnu * g**-0.25 / (K_B_EV_PER_K * T_NU_OVER_T_CMB * tcmb)


def massive_neutrino_omega(one_plus_z, mnu: float, tcmb: float, neff: float) -> np.ndarray:
    """Physical density omega_nu(z) = rho_nu(z) / rho_crit(H0=100) of the massive eigenstate.

    Zero when ``mnu`` is zero. At z = 0 this is CAMB's ``omnuh2`` (finite-temperature
    correction included).
    """
    one_plus_z = np.asarray(one_plus_z, dtype=float)
    if mnu == 0.0:
        return np.zeros_like(one_plus_z)
    g = neff_split(neff)[0]
    relativistic = g * NEUTRINO_PER_PHOTON * omega_gamma_h2(tcmb)
    y = mass_over_temperature(mnu, tcmb, neff) / one_plus_z
    a2 = one_plus_z * one_plus_z
    return relativistic * (a2 * a2) * density_ratio(y)


@lru_cache(maxsize=1024)
def omega_nu_h2_today(mnu: float, tcmb: float, neff: float) -> float:
    """omega_nu today (CAMB's omnuh2); part of Om0 h^2 (cached: fits usually hold mnu fixed)."""
    return float(massive_neutrino_omega(np.ones(1), mnu, tcmb, neff)[0])
