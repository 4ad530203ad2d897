"""Distances of a flat cosmology from one integration grid per parameter point.

Every distance comes from two cumulative integrals on a fixed grid uniform in
x = ln(1+z), evaluated once per parameter point with a fourth-order rule:

* the comoving distance  D_C(z) = (c/H0) * int_0^x (1+z)/E dx, and
* the sound horizon      r_s(z) = (c/H0) * int_x^inf (c_s/c) (1+z)/E dx.

Values between nodes come from cubic Hermite interpolation, which uses the
integrand itself as the exact slope; both steps are accurate far beyond the
1e-7 the likelihoods need. Interpolation weights depend only on the query
redshifts, never on the cosmology, so likelihoods precompute them once
(:class:`GridPlan`) and each call is a handful of vector operations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from cosmofit.errors import PhysicsError
from cosmofit.models.registry import Model, get_model
from cosmofit.physics.constants import C_KM_S, omega_gamma_h2, omega_radiation_h2
from cosmofit.physics.early import z_drag_eisenstein_hu, z_star_hu_sugiyama

#: Grid step in ln(1+z) and its upper end (z = 1e8, deep in radiation domination).
GRID_STEP = 0.01
GRID_X_MAX = math.log1p(1e8)
_N_NODES = int(math.ceil(GRID_X_MAX / GRID_STEP)) + 1
GRID_X = np.arange(_N_NODES) * GRID_STEP
GRID_Z = np.expm1(GRID_X)
GRID_A = 1.0 + GRID_Z  # 1 + z at the nodes
GRID_Z_MAX = float(GRID_Z[-1])


def cumulative_integral(f: np.ndarray, step: float) -> np.ndarray:
    """Running integral of samples ``f`` on a uniform grid, fourth-order accurate.

    Interior intervals use the four-point rule
    h/24 (-f[i-1] + 13 f[i] + 13 f[i+1] - f[i+2]); the first and last intervals
    use the one-sided four-point rules of the same order.
    """
    pieces = np.empty(f.size - 1)
    pieces[1:-1] = 13.0 * (f[1:-2] + f[2:-1]) - (f[:-3] + f[3:])
    pieces[0] = 9.0 * f[0] + 19.0 * f[1] - 5.0 * f[2] + f[3]
    pieces[-1] = f[-4] - 5.0 * f[-3] + 19.0 * f[-2] + 9.0 * f[-1]
    out = np.empty(f.size)
    out[0] = 0.0
    np.cumsum(pieces, out=out[1:])
    out[1:] *= step / 24.0
    return out


@dataclass(frozen=True)
class GridPlan:
    """Cubic-Hermite interpolation weights for fixed redshifts on the global grid.

    Built once per dataset; applying it to node values and node slopes costs
    four gathers and four products.
    """

    index: np.ndarray
    w_value_left: np.ndarray
    w_slope_left: np.ndarray
    w_value_right: np.ndarray
    w_slope_right: np.ndarray

    @classmethod
    def for_redshifts(cls, z) -> GridPlan:
        z = np.asarray(z, dtype=float)
        if np.any(~np.isfinite(z)) or np.any(z < 0) or np.any(z > GRID_Z_MAX):
            raise PhysicsError(
                f"redshifts must be finite and within [0, {GRID_Z_MAX:.0e}]; got {z!r}"
            )
        x = np.log1p(z)
        index = np.minimum((x / GRID_STEP).astype(np.intp), _N_NODES - 2)
        t = (x - GRID_X[index]) / GRID_STEP
        t2, t3 = t * t, t * t * t
        return cls(
            index=index,
            w_value_left=2.0 * t3 - 3.0 * t2 + 1.0,
            w_slope_left=(t3 - 2.0 * t2 + t) * GRID_STEP,
            w_value_right=-2.0 * t3 + 3.0 * t2,
            w_slope_right=(t3 - t2) * GRID_STEP,
        )

    def apply(self, values: np.ndarray, slopes: np.ndarray) -> np.ndarray:
        i = self.index
        return (
            self.w_value_left * values[i]
            + self.w_slope_left * slopes[i]
            + self.w_value_right * values[i + 1]
            + self.w_slope_right * slopes[i + 1]
        )


def hermite_at(z: float, values: np.ndarray, slopes: np.ndarray) -> float:
    """One interpolated value at a scalar redshift, in plain floats.

    The same cubic Hermite rule as :class:`GridPlan`, without array overhead:
    the early-universe scales need three single values per parameter point.
    """
    if not 0.0 <= z <= GRID_Z_MAX:
        raise PhysicsError(f"redshift {z!r} is outside [0, {GRID_Z_MAX:.0e}]")
    x = math.log1p(z)
    i = min(int(x / GRID_STEP), _N_NODES - 2)
    t = (x - i * GRID_STEP) / GRID_STEP
    t2 = t * t
    t3 = t2 * t
    return (
        (2.0 * t3 - 3.0 * t2 + 1.0) * float(values[i])
        + (t3 - 2.0 * t2 + t) * GRID_STEP * float(slopes[i])
        + (-2.0 * t3 + 3.0 * t2) * float(values[i + 1])
        + (t3 - t2) * GRID_STEP * float(slopes[i + 1])
    )


class Background:
    """Expansion history and distances of one model at one parameter point.

    Distances are in Mpc, H in km/s/Mpc. Build it with
    :func:`cosmofit.background`, which fills defaults and checks bounds; this
    constructor trusts its ``params`` (a complete, validated mapping) so that
    likelihood calls stay cheap.
    """

    def __init__(self, model: Model, params: Mapping[str, float]):
        self.model = model
        self.params = dict(params)
        self.H0 = self.params["H0"]
        self.h = self.H0 / 100.0
        self.omega_gamma = omega_gamma_h2(self.params["Tcmb"])
        self.omega_r = omega_radiation_h2(self.params["Tcmb"], self.params["Neff"])
        self.Or = self.omega_r / self.h**2
        self.omega_b = self.params["Obh2"]
        self.omega_m = self.params["Om0"] * self.h**2
        self.hubble_distance = C_KM_S / self.H0
        e2 = model.e2(GRID_Z, self.params, self.Or)
        bad = ~(e2 > 0.0)  # catches NaN too
        if bad.any():
            z_bad = float(GRID_Z[np.argmax(bad)])
            raise PhysicsError(
                f"{model.name} is unphysical at this point: E(z)^2 <= 0 or NaN at z = {z_bad:.4g}"
            )
        self._inv_e_grid = 1.0 / np.sqrt(e2)

    # -- expansion rate ---------------------------------------------------------------
    def E(self, z) -> np.ndarray:
        """Dimensionless expansion rate H(z)/H0, evaluated exactly (no interpolation)."""
        e2 = self.model.e2(np.asarray(z, dtype=float), self.params, self.Or)
        if np.any(~(e2 > 0.0)):
            raise PhysicsError(f"{self.model.name} is unphysical: E(z)^2 <= 0 at requested z")
        return np.sqrt(e2)

    def H(self, z) -> np.ndarray:
        """Hubble rate [km/s/Mpc]."""
        return self.H0 * self.E(z)

    # -- comoving distance ----------------------------------------------------------------
    @cached_property
    def _dc_slope(self) -> np.ndarray:
        return GRID_A * self._inv_e_grid  # d(D_C / D_H0)/dx

    @cached_property
    def _dc_nodes(self) -> np.ndarray:
        return cumulative_integral(self._dc_slope, GRID_STEP)

    def comoving_distance_planned(self, plan: GridPlan) -> np.ndarray:
        """D_C [Mpc] at the redshifts a :class:`GridPlan` was built for."""
        return self.hubble_distance * plan.apply(self._dc_nodes, self._dc_slope)

    def DM(self, z) -> np.ndarray:
        """Transverse comoving distance [Mpc] (equal to D_C: the models are flat)."""
        return self.comoving_distance_planned(GridPlan.for_redshifts(z))

    def DA(self, z) -> np.ndarray:
        """Angular diameter distance [Mpc]."""
        return self.DM(z) / (1.0 + np.asarray(z, dtype=float))

    def DH(self, z) -> np.ndarray:
        """Hubble distance c/H(z) [Mpc]."""
        return C_KM_S / self.H(z)

    def DV(self, z) -> np.ndarray:
        """Volume-averaged distance [z D_M^2 D_H]^(1/3) [Mpc]."""
        z = np.asarray(z, dtype=float)
        return np.cbrt(z * self.DM(z) ** 2 * self.DH(z))

    def DL(self, z_cos, z_hel=None) -> np.ndarray:
        """Luminosity distance (1 + z_hel) D_M(z_cos) [Mpc]; z_hel defaults to z_cos."""
        z_cos = np.asarray(z_cos, dtype=float)
        z_hel = z_cos if z_hel is None else np.asarray(z_hel, dtype=float)
        return (1.0 + z_hel) * self.DM(z_cos)

    def mu(self, z_cos, z_hel=None) -> np.ndarray:
        """Distance modulus 5 log10(D_L / Mpc) + 25."""
        return 5.0 * np.log10(self.DL(z_cos, z_hel)) + 25.0

    # -- sound horizon ------------------------------------------------------------------
    @cached_property
    def _rs_slope(self) -> np.ndarray:
        """d r_s/dx in units of c/H0, sign dropped (the integral runs towards high z)."""
        baryon_loading = (0.75 * self.omega_b / self.omega_gamma) / GRID_A
        return self._dc_slope / np.sqrt(3.0 * (1.0 + baryon_loading))

    @cached_property
    def _rs_nodes(self) -> np.ndarray:
        """r_s at every node: the integral from the node to infinity, in units of c/H0.

        Beyond the grid the universe is radiation dominated, the integrand falls
        as exp(-x), and the remaining integral equals the integrand at the last node.
        """
        slope = self._rs_slope
        running = cumulative_integral(slope, GRID_STEP)
        return (running[-1] + slope[-1]) - running

    def rs_planned(self, plan: GridPlan) -> np.ndarray:
        """Sound horizon [Mpc] at the planned redshifts."""
        # r_s decreases with x: its slope is minus the integrand.
        return self.hubble_distance * plan.apply(self._rs_nodes, -self._rs_slope)

    def rs(self, z) -> np.ndarray:
        """Comoving sound horizon r_s(z) [Mpc]."""
        return self.rs_planned(GridPlan.for_redshifts(z))

    @cached_property
    def z_star(self) -> float:
        """Photon decoupling redshift (Hu & Sugiyama 1996)."""
        return z_star_hu_sugiyama(self.omega_b, self.omega_m)

    @cached_property
    def z_drag(self) -> float:
        """Baryon drag redshift (Eisenstein & Hu 1998, calibrated to CAMB)."""
        return z_drag_eisenstein_hu(self.omega_b, self.omega_m)

    def _rs_scalar(self, z: float) -> float:
        return self.hubble_distance * hermite_at(z, self._rs_nodes, -self._rs_slope)

    @cached_property
    def rs_star(self) -> float:
        """Sound horizon at photon decoupling [Mpc]."""
        return self._rs_scalar(self.z_star)

    @cached_property
    def r_drag(self) -> float:
        """Sound horizon at the baryon drag epoch [Mpc], the BAO standard ruler."""
        return self._rs_scalar(self.z_drag)

    @cached_property
    def DM_star(self) -> float:
        """Transverse comoving distance to photon decoupling [Mpc]."""
        return self.hubble_distance * hermite_at(self.z_star, self._dc_nodes, self._dc_slope)


def background(model: str | Model = "lcdm", **params: float) -> Background:
    """Distances and scales of ``model`` at ``params`` (missing ones take the built-in
    defaults; ``cosmofit.stored_defaults(model)`` gives the store's).

    Unknown parameter names and values outside the hard bounds raise
    :class:`~cosmofit.errors.ParameterError`; an unphysical point raises
    :class:`~cosmofit.errors.PhysicsError`.

    >>> bg = background("lcdm", H0=67.36, Om0=0.3138)
    >>> round(float(bg.DM(1.0)))
    3405
    """
    spec = get_model(model) if isinstance(model, str) else model
    return Background(spec, spec.complete(params))
