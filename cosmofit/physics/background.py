"""Distances of a background cosmology, computed only where the likelihoods need them.

Nothing is tabulated when a :class:`Background` is built. Each quantity is a
Gauss-Legendre sum over E(z)^-1 at nodes chosen for it:

* late-time comoving distances D_C(z) = (c/H0) int_0^x (1+z)/E dx, x = ln(1+z),
  come from a :class:`GridPlan`: short segments ending at the requested
  redshifts (so z = 0.001 is as accurate as z = 2), summed cumulatively;
* the early-universe scales r_s(z*), r_d and D_M(z*) are integrals over
  s = (1+z)^(-1/2). In that variable the radiation era is regular
  (ds / (s^3 E) -> ds / sqrt(Omega_r)), so the sound horizon, an integral to
  z = infinity, is a proper integral from s = 0 with no tail to approximate.

Every kernel broadcasts over a leading axis of parameter points: with float
parameters a Background is one point; with (P, 1) arrays it is P points and
every array result gains a leading axis of length P (the same code, batched).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache, cached_property

import numpy as np

from cosmofit.errors import PhysicsError
from cosmofit.models.registry import Model, get_model
from cosmofit.physics.constants import C_KM_S, omega_gamma_h2, omega_radiation_h2
from cosmofit.physics.early import z_drag_eisenstein_hu, z_star_hu_sugiyama
from cosmofit.physics.neutrinos import massless_neff, omega_nu_h2_today

#: Largest redshift a distance can be requested at (deep in radiation domination).
GRID_Z_MAX = 1e8
#: Late-time segments: at most this long in ln(1+z), with this many Gauss-Legendre nodes.
SEGMENT_MAX = 0.1
SEGMENT_NODES = 4


@cache
def _unit_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1.0), 0.5 * w


_SEGMENT_T, _SEGMENT_W = _unit_rule(SEGMENT_NODES)


class PanelRule:
    """Gauss-Legendre nodes of consecutive panels, concatenated once at import.

    :meth:`integrate` places the nodes between per-point panel limits and sums
    each panel with one small product, so the panel limits may vary per point.
    """

    def __init__(self, sizes: tuple[int, ...], sound_panels: int = 0):
        rules = [_unit_rule(n) for n in sizes]
        self.t = np.concatenate([t for t, _ in rules])
        self.w = 2.0 * np.concatenate([w for _, w in rules])  # the 2 of 2 ds / (s^3 E)
        self.panel = np.repeat(np.arange(len(sizes)), sizes)
        self.indicator = (self.panel[:, None] == np.arange(len(sizes))).astype(float)
        #: the first ``sound_panels`` panels integrate the sound horizon (times c_s/c)
        self.n_sound = int(sum(sizes[:sound_panels]))

    def integrate(self, bg: Background, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """int 2 ds / (s^3 E) over each panel (c_s/c included on sound panels), units c/H0."""
        width = ends - starts
        s = starts[..., self.panel] + width[..., self.panel] * self.t
        u = s * s
        g = self.w / (u * s * np.sqrt(bg._e2(1.0 / u - 1.0)))
        if self.n_sound:  # c_s / c = 1 / sqrt(3 (1 + R)), R = R0 u
            g[..., : self.n_sound] /= np.sqrt(3.0 + bg._three_r0 * u[..., : self.n_sound])
        return (g @ self.indicator) * width


#: Early-universe panels in s = (1+z)^(-1/2), with their node counts. The
#: sound horizons: [0, s*] and [s*, s_drag] (a z range of about 3%). D_M(z*):
#: [s*, 1] cut at _DM_BREAKS, where the late-time expansion can vary fast (dark
#: energy with w down to -3) and PBUF's radiation rescaling switches on (s ~ 0.03).
_SOUND_RULE = PanelRule((16, 6), sound_panels=2)
_DM_BREAKS = (0.1, 0.25, 0.5, 0.625, 0.75, 0.875, 1.0)
_DM_STAR_RULE = PanelRule((10,) * len(_DM_BREAKS))
_RS_RULE = PanelRule((64,), sound_panels=1)


class GridPlan:
    """Quadrature nodes for comoving distances at fixed redshifts (built once per dataset).

    The interval [0, max ln(1+z)] is cut at every requested redshift and into
    pieces no longer than :data:`SEGMENT_MAX`; each piece gets
    :data:`SEGMENT_NODES` Gauss-Legendre nodes. A distance is then a weighted
    sum of 1/E at the nodes followed by a running sum over the pieces.
    """

    #: Up to this many (node, redshift) pairs the running sum is one matrix product.
    MATRIX_MAX = 100_000

    def __init__(self, z, *, rates: bool = False):
        z = np.asarray(z, dtype=float)
        if np.any(~np.isfinite(z)) or np.any(z < 0) or np.any(z > GRID_Z_MAX):
            raise PhysicsError(
                f"redshifts must be finite and within [0, {GRID_Z_MAX:.0e}]; got {z!r}"
            )
        self.shape = z.shape
        x_targets = np.log1p(z.ravel())
        breaks = np.unique(np.concatenate([[0.0], x_targets]))
        edges = [breaks[:1]]
        for left, right in zip(breaks[:-1], breaks[1:], strict=True):
            pieces = max(1, math.ceil((right - left) / SEGMENT_MAX))
            edges.append(np.linspace(left, right, pieces + 1)[1:])
        edges = np.concatenate(edges)
        # A zero-length first piece makes the running sum start at exactly 0 (D_C(0) = 0).
        left = np.concatenate([[0.0], edges[:-1]])
        width = np.diff(edges, prepend=0.0)
        x = left[:, None] + width[:, None] * _SEGMENT_T
        self.n_segments = edges.size
        nodes = np.expm1(x).ravel()
        self.n_quadrature = nodes.size
        #: E is evaluated at the quadrature nodes and, with ``rates``, at the redshifts too
        self.node_z = np.concatenate([nodes, z.ravel()]) if rates else nodes
        #: weights include dx -> (1+z) so that D_C/D_H = sum(weights / E)
        self.weights = (width[:, None] * _SEGMENT_W * np.exp(x)).ravel()
        self.index = np.searchsorted(edges, x_targets)
        self.max_z = float(z.max()) if z.size else 0.0
        self._running = None
        if self.n_quadrature * self.index.size <= self.MATRIX_MAX:
            segment = np.repeat(np.arange(self.n_segments), SEGMENT_NODES)
            self._running = self.weights[:, None] * (segment[:, None] <= self.index[None, :])

    @classmethod
    def for_redshifts(cls, z, *, rates: bool = False) -> GridPlan:
        """The plan for redshifts ``z``; ``rates`` also evaluates E(z) there (for D_H)."""
        return cls(z, rates=rates)

    @property
    def n_nodes(self) -> int:
        return self.node_z.size

    def integrate(self, inv_e: np.ndarray) -> np.ndarray:
        """D_C / D_H at the planned redshifts from 1/E at the nodes (leading axes kept)."""
        if inv_e.shape[-1] != self.n_quadrature:  # a plan with rates: keep the fast path
            inv_e = np.ascontiguousarray(inv_e[..., : self.n_quadrature])
        lead = inv_e.shape[:-1]
        if self._running is not None:
            return (inv_e @ self._running).reshape(lead + self.shape)
        pieces = (inv_e * self.weights).reshape(*lead, self.n_segments, SEGMENT_NODES).sum(-1)
        return np.cumsum(pieces, axis=-1)[..., self.index].reshape(lead + self.shape)

    def rates(self, inv_e: np.ndarray) -> np.ndarray:
        """1/E at the planned redshifts (a plan built with ``rates=True``)."""
        return inv_e[..., self.n_quadrature :].reshape(inv_e.shape[:-1] + self.shape)


class PlanGroup:
    """Several plans whose nodes are evaluated together (one E(z) call for all datasets)."""

    def __init__(self, plans):
        self.plans = tuple(plans)
        self.node_z = np.concatenate([plan.node_z for plan in self.plans])
        self.bounds = np.cumsum([0] + [plan.node_z.size for plan in self.plans])


#: Parameters a batch must share (the neutrino and radiation arithmetic is per value).
SHARED_IN_BATCH = ("Tcmb", "Neff", "mnu")


def _as_point_arrays(params: Mapping[str, float]) -> tuple[dict, bool]:
    """Parameters as given (floats: one point) or as (P, 1) columns (a batch).

    In a batch, :data:`SHARED_IN_BATCH` parameters become one float.
    """
    batched = any(isinstance(v, np.ndarray) and v.ndim for v in params.values())
    if not batched:
        return dict(params), False
    out = {}
    for name, value in params.items():
        column = np.asarray(value, dtype=float).reshape(-1, 1)
        if name in SHARED_IN_BATCH:
            if np.any(column != column[0, 0]):
                raise PhysicsError(
                    f"a batch of points must share {name}; evaluate such points one by one"
                )
            out[name] = float(column[0, 0])
        else:
            out[name] = column
    return out, True


def transverse_comoving_distance(dc, ok0, hubble_distance):
    """D_M from D_C: sinh for an open (Ok0 > 0), sin for a closed (Ok0 < 0) universe.

    ``dc`` and the result share units with ``hubble_distance`` = c/H0; Ok0 = 0 returns
    ``dc`` itself (flat models stay bit for bit). ``ok0`` may be a batch's (P, 1) column.
    """
    if np.ndim(ok0) == 0:
        if ok0 == 0.0:
            return dc
        k = math.sqrt(abs(ok0)) / hubble_distance
        return (np.sinh(k * dc) if ok0 > 0.0 else np.sin(k * dc)) / k
    k = np.sqrt(np.abs(ok0)) / hubble_distance
    k_safe = np.where(k > 0.0, k, 1.0 / hubble_distance)  # flat rows: any finite scale
    curved = np.where(ok0 > 0.0, np.sinh(k_safe * dc), np.sin(k_safe * dc)) / k_safe
    return np.where(ok0 == 0.0, dc, curved)


def unphysical_reason(model: Model, params: Mapping[str, float]) -> str | None:
    """Why one parameter point is unphysical before any E(z) is computed, or None.

    The model's own condition (e.g. w0 + wa >= 0) and neutrinos heavier than all
    the matter (Om0 includes them). E(z)^2 <= 0 is found where distances are needed.
    """
    reason = model.why_unphysical(params)
    if reason is not None:
        return f"{model.name} is unphysical at this point: {reason}"
    mnu = params.get("mnu", 0.0)
    if mnu:
        omega_nu = omega_nu_h2_today(mnu, params["Tcmb"], params["Neff"])
        omega_m = params["Om0"] * (params["H0"] / 100.0) ** 2
        if omega_nu >= omega_m:
            return (
                f"{model.name} is unphysical at this point: the neutrinos (omega_nu = "
                f"{omega_nu:.3g}) outweigh all matter (Om0 h^2 = {omega_m:.3g}); "
                "raise Om0 or lower mnu"
            )
    return None


class Background:
    """Expansion history and distances of one model at one or several parameter points.

    Distances are in Mpc, H in km/s/Mpc. Build it with
    :func:`cosmofit.background`, which fills defaults and checks bounds; this
    constructor trusts its ``params`` (a complete, validated mapping of floats,
    or of equal-length 1-D arrays for a batch of points) so that likelihood
    calls stay cheap. The expansion rate is checked (E^2 > 0) wherever it is
    evaluated: a single point raises :class:`~cosmofit.errors.PhysicsError`,
    a batch marks that point's results NaN.
    """

    def __init__(self, model: Model, params: Mapping[str, float]):
        self.model = model
        self.params, self.batched = _as_point_arrays(params)
        p = self.params
        self.H0 = p["H0"]
        self.h = self.H0 / 100.0
        self.omega_gamma = omega_gamma_h2(p["Tcmb"])
        mnu = p.get("mnu", 0.0)
        # Massless radiation: photons and the part of Neff not in the massive eigenstate.
        self.omega_r = omega_radiation_h2(p["Tcmb"], massless_neff(p["Neff"], mnu))
        self.Or = self.omega_r / self.h**2
        self.omega_b = p["Obh2"]
        self.omega_m = p["Om0"] * self.h**2  # massive neutrinos included
        self.omega_nu = omega_nu_h2_today(mnu, p["Tcmb"], p["Neff"])
        # Cold matter: what the z* and z_d fitting formulae mean by omega_m (their
        # calibrations had massless neutrinos, and ours are relativistic at those epochs).
        self.omega_cb = self.omega_m - self.omega_nu
        self.Ok0 = p.get("Ok0", 0.0)
        self.hubble_distance = C_KM_S / self.H0
        self._inv_e: dict[int, np.ndarray] = {}  # 1/E at a plan's nodes, by id(plan)
        if not self.batched:  # a batch's points are checked one by one by its caller
            reason = unphysical_reason(model, p)
            if reason is not None:
                raise PhysicsError(reason)

    def prepare(self, group: PlanGroup) -> None:
        """Evaluate 1/E on the nodes of every plan of ``group`` at once, for later use."""
        inv_e = 1.0 / np.sqrt(self._e2(group.node_z))
        for plan, start, end in zip(group.plans, group.bounds[:-1], group.bounds[1:], strict=True):
            # contiguous: a strided slice would keep matmul off its fast BLAS path
            self._inv_e[id(plan)] = np.ascontiguousarray(inv_e[..., start:end])

    @property
    def size(self) -> int:
        """Number of parameter points."""
        return int(np.shape(self.H0)[0]) if self.batched else 1

    def subset(self, rows: np.ndarray) -> Background:
        """The points ``rows`` of a batch as a new batch (nothing evaluated yet)."""
        params = {k: v[rows] if isinstance(v, np.ndarray) else v for k, v in self.params.items()}
        return Background(self.model, params)

    # -- expansion rate ---------------------------------------------------------------
    def _e2(self, z) -> np.ndarray:
        """E(z)^2, checked: non-positive or NaN raises for one point, is NaN in a batch."""
        e2 = self.model.e2(z, self.params, self.Or)
        ok = e2 > 0.0  # False for NaN too
        if not ok.all():
            if not self.batched:
                z_bad = float(np.broadcast_to(z, np.shape(e2))[~ok].min())
                raise PhysicsError(
                    f"{self.model.name} is unphysical at this point: "
                    f"E(z)^2 <= 0 or NaN at z = {z_bad:.4g}"
                )
            e2 = np.where(ok, e2, np.nan)
        return e2

    def E(self, z) -> np.ndarray:
        """Dimensionless expansion rate H(z)/H0, evaluated exactly (no interpolation)."""
        return np.sqrt(self._e2(np.asarray(z, dtype=float)))

    def H(self, z) -> np.ndarray:
        """Hubble rate [km/s/Mpc]."""
        return self.H0 * self.E(z)

    # -- comoving distance ----------------------------------------------------------------
    def comoving_distance_planned(self, plan: GridPlan) -> np.ndarray:
        """D_C [Mpc] at the redshifts a :class:`GridPlan` was built for."""
        return self.distances_and_rates(plan)[0]

    def distances_and_rates(self, plan: GridPlan) -> tuple[np.ndarray, np.ndarray | None]:
        """D_C [Mpc] and, for a plan with ``rates``, c/H [Mpc] at the planned redshifts.

        One evaluation of E serves both.
        """
        inv_e = self._inv_e.get(id(plan))
        if inv_e is None:
            inv_e = 1.0 / np.sqrt(self._e2(plan.node_z))
        dc = self.hubble_distance * plan.integrate(inv_e)
        if plan.node_z.size == plan.n_quadrature:
            return dc, None
        return dc, self.hubble_distance * plan.rates(inv_e)

    def transverse_distance(self, dc):
        """D_M from D_C [Mpc] (equal for a flat model)."""
        return transverse_comoving_distance(dc, self.Ok0, self.hubble_distance)

    def transverse_distance_planned(self, plan: GridPlan) -> np.ndarray:
        """D_M [Mpc] at the planned redshifts."""
        return self.transverse_distance(self.comoving_distance_planned(plan))

    def DC(self, z) -> np.ndarray:
        """Line-of-sight comoving distance [Mpc]."""
        return self.comoving_distance_planned(GridPlan.for_redshifts(z))

    def DM(self, z) -> np.ndarray:
        """Transverse comoving distance [Mpc] (D_C for a flat model)."""
        return self.transverse_distance_planned(GridPlan.for_redshifts(z))

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

    # -- early universe -----------------------------------------------------------------
    @property
    def _three_r0(self):
        """3 R0, with R = R0 (1+z)^-1 = 3 rho_b / (4 rho_gamma) the baryon loading."""
        return 2.25 * self.omega_b / self.omega_gamma

    def _panel_limits(self, *limits) -> np.ndarray:
        """Panel limits (floats or per-point columns) as a row, one row per point in a batch."""
        if not self.batched:
            return np.array(limits, dtype=float)
        return np.hstack([np.broadcast_to(v, (self.size, 1)) for v in limits])

    @cached_property
    def _early(self) -> dict[str, np.ndarray]:
        """z*, z_drag and the sound horizons there (22 evaluations of E)."""
        z_star = z_star_hu_sugiyama(self.omega_b, self.omega_cb)
        z_drag = z_drag_eisenstein_hu(self.omega_b, self.omega_cb)
        s_star, s_drag = (1.0 + z_star) ** -0.5, (1.0 + z_drag) ** -0.5
        starts = self._panel_limits(0.0, s_star)
        ends = self._panel_limits(s_star, s_drag)
        panels = _SOUND_RULE.integrate(self, starts, ends) * self.hubble_distance
        rs_star = panels[..., 0:1]
        return {
            "z_star": z_star,
            "s_star": s_star,
            "z_drag": z_drag,
            "rs_star": rs_star,
            "r_drag": rs_star + panels[..., 1:2],
        }

    @cached_property
    def _dm_star(self) -> np.ndarray:
        """D_M(z*), computed only when asked for (70 evaluations of E)."""
        return self._transverse_distance_from(self._early["s_star"])

    def _transverse_distance_from(self, s) -> np.ndarray:
        """D_M [Mpc] to s = (1+z)^-1/2 < 0.1 (a float or a (P, 1) column), by the D_M(z*) panels."""
        starts = self._panel_limits(s, *_DM_BREAKS[:-1])
        panels = _DM_STAR_RULE.integrate(self, starts, self._panel_limits(*_DM_BREAKS))
        return self.transverse_distance(self.hubble_distance * panels.sum(-1, keepdims=True))

    def scales_at(self, z):
        """(r_s(z), D_M(z)) [Mpc] at a redshift above 99 that may differ per point.

        ``z`` is a float, or a (P, 1) column for a batch; so are the results. The
        same panels as r_s(z*) and D_M(z*) (used for theta* with a calibrated z*).
        """
        s = (1.0 + z) ** -0.5
        rs = self.hubble_distance * _RS_RULE.integrate(
            self, self._panel_limits(0.0), self._panel_limits(s)
        )
        dm = self._transverse_distance_from(s)
        if self.batched:
            return rs, dm
        return float(rs[0]), float(dm[0])

    def early(self, name: str):
        """An early-universe scale as a float (one point) or a (P, 1) column (a batch)."""
        value = self._dm_star if name == "DM_star" else self._early[name]
        return value if self.batched else float(np.reshape(value, -1)[0])

    @property
    def z_star(self) -> float:
        """Photon decoupling redshift (Hu & Sugiyama 1996, with the cold matter omega_cb)."""
        return self.early("z_star")

    @property
    def z_drag(self) -> float:
        """Baryon drag redshift (Eisenstein & Hu 1998, calibrated to CAMB; cold matter omega_cb)."""
        return self.early("z_drag")

    @property
    def rs_star(self) -> float:
        """Sound horizon at photon decoupling [Mpc]."""
        return self.early("rs_star")

    @property
    def r_drag(self) -> float:
        """Sound horizon at the baryon drag epoch [Mpc], the BAO standard ruler."""
        return self.early("r_drag")

    @property
    def DM_star(self) -> float:
        """Transverse comoving distance to photon decoupling [Mpc]."""
        return self.early("DM_star")

    def rs(self, z) -> np.ndarray:
        """Comoving sound horizon r_s(z) [Mpc], one Gauss-Legendre panel per redshift."""
        z = np.asarray(z, dtype=float)
        if np.any(~np.isfinite(z)) or np.any(z < 0):
            raise PhysicsError(f"redshifts must be finite and non-negative; got {z!r}")
        s = (1.0 + z.ravel()) ** -0.5
        if self.batched:  # nodes (T, P, n): the parameters' (P, 1) columns broadcast
            ends = s.reshape(-1, 1, 1) * np.ones((self.size, 1))
            integral = _RS_RULE.integrate(self, np.zeros_like(ends), ends)
            return (self.hubble_distance * integral[..., 0].T).reshape(-1, *z.shape)
        ends = s[:, None]
        integral = _RS_RULE.integrate(self, np.zeros_like(ends), ends)
        return self.hubble_distance * integral.reshape(z.shape)


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
