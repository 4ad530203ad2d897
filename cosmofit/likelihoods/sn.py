"""Type Ia supernovae with the absolute magnitude offset M profiled analytically.

With r0 = m - mu_th and C = L L^T, write w = L^-1 r0 and u = L^-1 1. Minimising
over M gives
    chi^2 = w.w - (u.w)^2 / u.u,    M_best = (u.w) / u.u.
With M free, SN data fix only the shape of D_L(z), never H0: H0 is exactly
degenerate with M.

The cosmology enters only through one smooth function, f(z) = log10(D_M(z)/z):
    mu_th,i = 5 log10(z_i (1 + z_hel,i)) + 25 + 5 f(z_i).
f is analytic in z (D_M/z -> c/H0 as z -> 0), so its polynomial interpolant
through K Chebyshev nodes spanning the data's redshift range,
f(z_i) = sum_k B_ik f_k, converges geometrically in K. Then the residual is
linear in (f_1..f_K, 1, M), and the profiled chi^2 is |R [-5 f; 1]|^2 with R
the (K+1)x(K+1) triangular factor of the whitened, M-projected columns
[L^-1 B, L^-1 d] (d = m - 5 log10 z(1+z_hel) - 25), computed once at load.
Each call: K distances and a K x K product.

Each call also checks its own interpolation. The last Chebyshev coefficients
of f (from the same K node values, in the same product) estimate how far the
interpolant is from f; an error delta_f in the residual moves chi^2 by about
2 sqrt(chi^2) |delta_r|, so a point is trusted when tail * sqrt(1 + chi^2) is
below :data:`FALLBACK_THRESHOLD`. Where it is not (a closed or extreme model
whose E(z)^2 nearly vanishes inside the data's range, so that D_M(z) nearly
kinks), the point is evaluated with the dense form instead; in a batch only
those rows are. The dense form is built on first need from the dataset file,
so ordinary use never holds the full covariance. The chi^2 then stays within
1e-6 of the dense form for every model over its whole parameter box (the
tests check it on 1000+ points per dataset and model).

``exact=True`` keeps the dense form (distances at every supernova, one
triangular solve with the full covariance): it is the reference the
compressed form is tested against. Its distance quadrature is cut at the
Chebyshev nodes as well as at every supernova, so it is at least as fine as
the compressed form's everywhere.
"""

from __future__ import annotations

import numpy as np

from cosmofit.errors import DataError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance, sum_of_squares
from cosmofit.physics.background import Background, GridPlan

#: Interpolation nodes of f(z) = log10(D_M/z) per supernova dataset.
CHEBYSHEV_NODES = 40
#: The last Chebyshev coefficients of f whose size estimates the interpolation error.
TAIL_COEFFICIENTS = 4
#: A point whose |tail| * sqrt(1 + chi^2) exceeds this is evaluated with the dense form
#: (|tail| the 2-norm of the last TAIL_COEFFICIENTS coefficients, chi^2 unscaled).
#: Measured on the 2000 box points per dataset and model of the tests (pantheon+ and
#: union3, every model; benchmarks/sn_fallback_threshold.py): wherever the two forms
#: differ by more than rounding (|delta chi^2| > 1e-7), |delta chi^2| <= 97 x the
#: estimate, so at this threshold the interpolation adds at most ~1e-8, 100x below
#: the 1e-6 target. Ordinary points sit near 1e-12 (median 9e-13) and keep the fast
#: path; about 3% of the box points, all at extreme corners, take the dense one.
FALLBACK_THRESHOLD = 1e-10


def chebyshev_nodes(low: float, high: float, k: int) -> np.ndarray:
    """The k Chebyshev points of the first kind, stretched so the outer two are low and high.

    Every datum then lies between two nodes: the interpolant never extrapolates
    (a steep f just beyond the last node would make extrapolation unreliable).
    """
    theta = np.pi * (np.arange(k) + 0.5) / k
    return 0.5 * (low + high) - 0.5 * (high - low) * np.cos(theta) / np.cos(theta[0])


def chebyshev_tail_matrix(k: int, n_tail: int) -> np.ndarray:
    """T (k x n_tail) with f(nodes) @ T = the last ``n_tail`` Chebyshev coefficients of
    the interpolant through :func:`chebyshev_nodes` (ascending, so x_j = -cos theta_j)."""
    theta = np.pi * (np.arange(k) + 0.5) / k
    degrees = np.arange(k - n_tail, k)
    return (2.0 / k) * np.cos(np.outer(np.pi - theta, degrees))


def lagrange_matrix(nodes: np.ndarray, z: np.ndarray) -> np.ndarray:
    """B with B @ f(nodes) = the polynomial interpolant of f at ``z`` (barycentric form)."""
    k = nodes.size
    theta = np.pi * (np.arange(k) + 0.5) / k
    weights = np.sin(theta) * (-1.0) ** np.arange(k)  # first-kind barycentric weights
    diff = z[:, None] - nodes[None, :]
    hit = diff == 0.0
    diff[hit] = 1.0
    terms = weights / diff
    matrix = terms / terms.sum(axis=1, keepdims=True)
    rows = hit.any(axis=1)
    matrix[rows] = hit[rows].astype(float)
    return matrix


@register_likelihood("sn")
class SupernovaLikelihood(Likelihood):
    compressed = True

    def __init__(self, name, data, *, cov_scale: float = 1.0, exact: bool = False):
        super().__init__(name, data, cov_scale=cov_scale)
        self.exact = exact
        self.z_cos = np.asarray(data.z_cos, dtype=float)
        self.z_hel = np.asarray(data.z_hel, dtype=float)
        self.m = np.asarray(data.m, dtype=float)
        if np.any(self.z_cos <= 0):
            raise DataError(f"{name}: supernova redshifts must be positive")
        covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)
        self._u = covariance.whiten(np.ones_like(self.m))
        self._uu = float(self._u @ self._u)
        if exact:
            self.covariance = covariance
            nodes = chebyshev_nodes(self.z_cos.min(), self.z_cos.max(), CHEBYSHEV_NODES)
            self._plan = GridPlan.for_redshifts(np.concatenate([self.z_cos, nodes]))
            self._n = self.z_cos.size
            self._log_one_plus_zhel = np.log10(1.0 + self.z_hel)
            return
        # Compressed form: the dense covariance is not kept (exact=True keeps it). A
        # dataset of the registry is read again if a point needs the dense form; other
        # data are kept for that.
        from cosmofit.data.registry import find_dataset

        self._dense_data = None if find_dataset(name) is not None else data
        self._dense: SupernovaLikelihood | None = None
        self.data = None
        self.nodes = chebyshev_nodes(self.z_cos.min(), self.z_cos.max(), CHEBYSHEV_NODES)
        self._plan = GridPlan.for_redshifts(self.nodes)
        self._log_nodes = np.log10(self.nodes)
        basis = lagrange_matrix(self.nodes, self.z_cos)
        offset = self.m - 5.0 * np.log10(self.z_cos * (1.0 + self.z_hel)) - 25.0
        whitened = covariance.whiten_block(np.column_stack([basis, offset]))
        projection = self._u @ whitened / self._uu  # M_best contribution of each column
        self._m_best_f = -5.0 * projection[:-1]
        self._m_best_0 = float(projection[-1])
        whitened -= np.outer(self._u, projection)  # profile M: remove the u direction
        factor = np.linalg.qr(whitened, mode="r")
        # One product gives the whitened residual and the tail of f's Chebyshev series.
        tail = chebyshev_tail_matrix(CHEBYSHEV_NODES, TAIL_COEFFICIENTS)
        self._kernel = np.ascontiguousarray(np.hstack([-5.0 * factor[:, :-1].T, tail]))
        self._kernel_0 = np.concatenate([factor[:, -1], np.zeros(TAIL_COEFFICIENTS)])
        self._n_factor = factor.shape[0]
        self._tail_limit = (FALLBACK_THRESHOLD * cov_scale) ** 2

    @property
    def plans(self) -> tuple[GridPlan, ...]:
        return (self._plan,)

    @property
    def n_data(self) -> int:
        return self.m.size

    def _node_values(self, bg: Background) -> np.ndarray:
        """f = log10(D_M/z) at the Chebyshev nodes (leading axis of points for a batch)."""
        return np.log10(bg.transverse_distance_planned(self._plan)) - self._log_nodes

    def _residual(self, bg: Background) -> np.ndarray:
        """m - mu_th at every supernova (dense form)."""
        dm = bg.transverse_distance_planned(self._plan)[..., : self._n]
        mu = 5.0 * (np.log10(dm) + self._log_one_plus_zhel) + 25.0
        return self.m - mu

    def _compressed(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unscaled chi^2 from node values ``f``, and whether its interpolation is in doubt.

        NaN node values (an unphysical point) give NaN and no doubt, as the dense form would.
        """
        out = f @ self._kernel + self._kernel_0
        rr = sum_of_squares(out[..., : self._n_factor])
        tail = sum_of_squares(out[..., self._n_factor :])
        return rr, tail * (1.0 + rr) > self._tail_limit

    def _dense_form(self) -> SupernovaLikelihood:
        """The dense form, built on the first point that needs it."""
        if self._dense is None:
            data = self._dense_data
            if data is None:
                from cosmofit.data.loader import load_dataset

                data = load_dataset(self.name, verify=False).data
            dense = SupernovaLikelihood(self.name, data, cov_scale=self.cov_scale, exact=True)
            same = all(
                np.array_equal(a, b)
                for a, b in (
                    (dense.z_cos, self.z_cos),
                    (dense.z_hel, self.z_hel),
                    (dense.m, self.m),
                    (dense._u, self._u),
                )
            )  # u = L^-1 1 pins the covariance too
            if not same:
                raise DataError(
                    f"{self.name}: the dataset changed since this likelihood was loaded;"
                    " load the likelihood again"
                )
            self._dense = dense
        return self._dense

    def chi2_points(self, bg: Background) -> np.ndarray:
        if self.exact:
            w = self.covariance.whiten_rows(self._residual(bg))
            uw = w @ self._u
            return (sum_of_squares(w) - uw * uw / self._uu) / self.cov_scale
        rr, doubtful = self._compressed(self._node_values(bg))
        if not bg.batched:
            return self._dense_form().chi2_points(bg) if doubtful else rr / self.cov_scale
        chi2 = rr / self.cov_scale
        if doubtful.any():  # only the rows in doubt take the dense form
            rows = np.flatnonzero(doubtful)
            chi2[rows] = self._dense_form().chi2_points(bg.subset(rows))
        return chi2

    def M_best(self, bg: Background) -> float:
        """Best-fit absolute magnitude offset added to mu_th."""
        if self.exact:
            return float(self._u @ self.covariance.whiten(self._residual(bg))) / self._uu
        f = self._node_values(bg)
        if self._compressed(f)[1]:
            return self._dense_form().M_best(bg)
        return float(f @ self._m_best_f + self._m_best_0)

    def derived(self, bg: Background) -> dict[str, float]:
        return {f"M_best[{self.name}]": self.M_best(bg)}
