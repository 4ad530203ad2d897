"""R and l_A the way Chen, Huang & Wang (2019, arXiv:1808.05724) defined them.

Compressed CMB priors are only as good as the match between the recipe that
built them and the one that evaluates them. Chen, Huang & Wang derived the
Planck 2018 (R, l_A, omega_b) means from the Planck chains with their own
approximate early-universe physics; evaluated with a different sound horizon
(such as the full-physics one in :mod:`cosmofit.physics.background`, which
the BAO keep) Planck's own best fit lands ~10 sigma away in l_A. Their recipe:

* radiation Omega_r = Omega_m / (1 + z_eq), z_eq = 2.5e4 omega_m (Tcmb/2.7 K)^-4
  (their eq. 6), in place of photons plus Neff massless neutrinos;
* baryon loading R_b a = 3 rho_b / (4 rho_gamma), R_b = 31500 omega_b (Tcmb/2.7 K)^-4;
* z* from the Hu & Sugiyama (1996) fit;
* Planck's baseline cosmology, whose Omega_m includes one 0.06 eV neutrino:
  that neutrino is relativistic before decoupling, so it is left out of the
  matter term of the sound-horizon integral (it is inside Omega_r there) and
  counted as matter in the distance to z*. A model with a neutrino mass
  parameter uses its own ``mnu`` here (0 means massless: nothing is left out);
  the recipe keeps this simple treatment rather than the exact Fermi-Dirac
  density of :mod:`cosmofit.physics.neutrinos`, because it is the one the
  priors were built with;
* spatial curvature through the model's E(z) and D_M = S_k(D_C), as for every
  distance (:func:`cosmofit.physics.background.transverse_comoving_distance`).

The model's own E(z) is used throughout (with the radiation above), so a
model that changes the expansion history (PBUF's k_sat, w) still moves R and l_A.
Integrals use fixed Gauss-Legendre panels: accurate to ~1e-10 relative and a
few tens of microseconds per point. Parameters may be floats (one point) or
(P, 1) columns (a batch of points: every result is then a (P, 1) column, and
an unphysical point is NaN instead of an error).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cosmofit.errors import PhysicsError
from cosmofit.models.registry import Model
from cosmofit.physics.background import transverse_comoving_distance
from cosmofit.physics.constants import C_KM_S
from cosmofit.physics.early import z_star_hu_sugiyama

#: Temperature the recipe's coefficients refer to [K].
RECIPE_T_REF = 2.7
#: z_eq = 2.5e4 omega_m (Tcmb / 2.7 K)^-4 (Chen et al. 2019 eq. 6).
Z_EQ_COEFFICIENT = 2.5e4
#: R_b = 31500 omega_b (Tcmb / 2.7 K)^-4: 3 rho_b / (4 rho_gamma) today.
BARYON_LOADING_COEFFICIENT = 31500.0
#: Sum of neutrino masses of Planck's baseline cosmology [eV].
PLANCK_BASELINE_MNU_EV = 0.06
#: omega_nu = sum m_nu / 93.14 eV (the conversion CAMB uses).
EV_PER_OMEGA_NU = 93.14

#: Gauss-Legendre rule on [-1, 1], mapped onto every panel below.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
#: Panels in ln(1+z) for the distance to z*, and in a for the sound horizon.
_DM_PANELS = 4
_RS_PANELS = 2

#: A tag of this convention, stored with every fit (see cosmofit.provenance).
CONVENTION = "chen2019-authors-recipe"


@dataclass(frozen=True)
class DistancePriorTheory:
    """The recipe's prediction at one point, with the scales it was built from."""

    R: float
    l_A: float
    z_star: float
    rs_star: float  # Mpc
    DM_star: float  # Mpc
    omega_r: float  # Omega_r h^2 of the recipe


def radiation_density(omega_m: float, tcmb: float) -> float:
    """omega_r = omega_m / (1 + z_eq), z_eq = 2.5e4 omega_m (Tcmb/2.7 K)^-4 (Chen et al. eq. 6)."""
    z_eq = Z_EQ_COEFFICIENT * omega_m * (tcmb / RECIPE_T_REF) ** -4
    return omega_m / (1.0 + z_eq)


def baryon_loading(omega_b: float, tcmb: float) -> float:
    """R_b with R_b a = 3 rho_b / (4 rho_gamma): 31500 omega_b (Tcmb/2.7 K)^-4."""
    return BARYON_LOADING_COEFFICIENT * omega_b * (tcmb / RECIPE_T_REF) ** -4


def _unit_panels(panels: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights covering [0, 1] with equal panels (scaled per point)."""
    edges = np.linspace(0.0, 1.0, panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * _GL_X[None, :]).ravel()
    weights = (half[:, None] * _GL_W[None, :]).ravel()
    return nodes, weights


_DM_NODES, _DM_WEIGHTS = _unit_panels(_DM_PANELS)
_RS_NODES, _RS_WEIGHTS = _unit_panels(_RS_PANELS)


def _checked(model: Model, e2: np.ndarray, z: np.ndarray, batched: bool, what: str) -> np.ndarray:
    """E^2 where positive; a single point raises, a batch marks the point NaN."""
    ok = e2 > 0.0
    if ok.all():
        return e2
    if batched:
        return np.where(ok, e2, np.nan)
    z_bad = float(z[np.argmin(ok)])
    raise PhysicsError(f"{model.name} is unphysical {what}: E(z)^2 <= 0 or NaN at z = {z_bad:.4g}")


def distance_priors(
    model: Model, params: Mapping[str, float], *, mnu_ev: float | None = None
) -> DistancePriorTheory:
    """R, l_A (and z*, r_s(z*), D_M(z*)) of ``model`` at ``params`` by Chen et al.'s recipe.

    ``mnu_ev`` is the neutrino mass inside Om0 that the sound-horizon integral
    leaves out of the matter term: the model's ``mnu`` if it has one, else
    Planck's baseline 0.06 eV.
    """
    H0, Om0, omega_b, tcmb = params["H0"], params["Om0"], params["Obh2"], params["Tcmb"]
    batched = np.ndim(H0) > 0
    if mnu_ev is None:
        mnu_ev = params.get("mnu", PLANCK_BASELINE_MNU_EV)
    if params.get("mnu", 0.0):
        # The recipe's own neutrino treatment replaces the exact one of the model's E(z).
        params = {**params, "mnu": 0.0}
    h2 = (H0 / 100.0) ** 2
    omega_m = Om0 * h2
    Or = radiation_density(omega_m, tcmb) / h2
    Onu = mnu_ev / EV_PER_OMEGA_NU / h2
    z_star = z_star_hu_sugiyama(omega_b, omega_m)
    hubble_distance = C_KM_S / H0

    # D_M(z*) = (c/H0) int_0^{ln(1+z*)} (1+z)/E dx, x = ln(1+z), and
    # r_s(z*) = (c/H0) int_0^{a*} da / (a^2 E_early(a) sqrt(3 (1 + R_b a))),
    # E_early^2 = E^2 - Omega_nu (1+z)^3 (the neutrino is relativistic here).
    # One evaluation of E serves both sets of nodes.
    x_star = np.log1p(z_star)
    a_star = 1.0 / (1.0 + z_star)
    one_plus_z = np.exp(x_star * _DM_NODES)
    a = a_star * _RS_NODES
    zp1 = 1.0 / a
    z = np.concatenate([one_plus_z, zp1], axis=-1) - 1.0
    e2 = _checked(model, model.e2(z, params, Or), z, batched, RECIPE_RADIATION)
    n_dm = _DM_NODES.size
    dc_star = (
        hubble_distance * x_star * _sum(_DM_WEIGHTS * one_plus_z / np.sqrt(e2[..., :n_dm]), batched)
    )
    dm_star = transverse_comoving_distance(dc_star, params.get("Ok0", 0.0), hubble_distance)
    e2_early = _checked(model, e2[..., n_dm:] - Onu * zp1**3, zp1 - 1.0, batched, NEUTRINO_OUT)
    a2_e = a * a * np.sqrt(e2_early)
    integrand = 1.0 / (a2_e * np.sqrt(3.0 * (1.0 + baryon_loading(omega_b, tcmb) * a)))
    rs_star = hubble_distance * a_star * _sum(_RS_WEIGHTS * integrand, batched)

    return DistancePriorTheory(
        R=np.sqrt(Om0) * dm_star / hubble_distance,
        l_A=math.pi * dm_star / rs_star,
        z_star=z_star,
        rs_star=rs_star,
        DM_star=dm_star,
        omega_r=Or * h2,
    )


RECIPE_RADIATION = "with the CMB-prior radiation density"
NEUTRINO_OUT = (
    "before decoupling once the neutrino is taken out of the matter term (CMB-prior recipe)"
)


def _sum(terms: np.ndarray, batched: bool):
    """Sum over the nodes: a float for one point, a (P, 1) column for a batch."""
    return terms.sum(-1, keepdims=True) if batched else float(terms.sum())
