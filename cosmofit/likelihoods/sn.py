"""Type Ia supernovae with the absolute magnitude offset M profiled analytically.

With r0 = m - mu_th and C = L L^T, write w = L^-1 r0 and u = L^-1 1. Minimising
over M gives
    chi^2 = w.w - (u.w)^2 / u.u,    M_best = (u.w) / u.u.
With M free, SN data fix only the shape of D_L(z), never H0: H0 is exactly
degenerate with M.

The cosmology enters only through one smooth function, f(z) = log10(D_M(z)/z):
    mu_th,i = 5 log10(z_i (1 + z_hel,i)) + 25 + 5 f(z_i).
f is analytic in z (D_M/z -> c/H0 as z -> 0), so its polynomial interpolant
through K Chebyshev nodes on the data's redshift range, f(z_i) = sum_k B_ik f_k,
converges geometrically in K (:data:`CHEBYSHEV_NODES` keeps the chi^2 within
1e-6 of the dense form for every model over its whole parameter box; the
tests check it). Then the residual is linear in (f_1..f_K, 1, M), and the
profiled chi^2 is |R [-5 f; 1]|^2 with R the (K+1)x(K+1) triangular factor of
the whitened, M-projected columns [L^-1 B, L^-1 d] (d = m - 5 log10 z(1+z_hel)
- 25), computed once at load. Each call: K distances and a K x K product.

``exact=True`` keeps the dense form (distances at every supernova, one
triangular solve with the full covariance): it is the reference the
compressed form is tested against.
"""

from __future__ import annotations

import numpy as np

from cosmofit.errors import DataError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance, sum_of_squares
from cosmofit.physics.background import Background, GridPlan

#: Interpolation nodes of f(z) = log10(D_M/z) per supernova dataset.
CHEBYSHEV_NODES = 40


def chebyshev_nodes(low: float, high: float, k: int) -> np.ndarray:
    """The k Chebyshev points of the first kind, stretched so the outer two are low and high.

    Every datum then lies between two nodes: the interpolant never extrapolates
    (a steep f just beyond the last node would make extrapolation unreliable).
    """
    theta = np.pi * (np.arange(k) + 0.5) / k
    return 0.5 * (low + high) - 0.5 * (high - low) * np.cos(theta) / np.cos(theta[0])


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
        # Compressed form: the dense covariance is not kept (exact=True keeps it).
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
        self._factor_f_t = np.ascontiguousarray(-5.0 * factor[:, :-1].T)
        self._factor_0 = factor[:, -1].copy()

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

    def chi2_points(self, bg: Background) -> np.ndarray:
        if self.exact:
            w = self.covariance.whiten_rows(self._residual(bg))
            uw = w @ self._u
            return (sum_of_squares(w) - uw * uw / self._uu) / self.cov_scale
        r = self._node_values(bg) @ self._factor_f_t + self._factor_0
        return sum_of_squares(r) / self.cov_scale

    def M_best(self, bg: Background) -> float:
        """Best-fit absolute magnitude offset added to mu_th."""
        if self.exact:
            return float(self._u @ self.covariance.whiten(self._residual(bg))) / self._uu
        return float(self._node_values(bg) @ self._m_best_f + self._m_best_0)

    def derived(self, bg: Background) -> dict[str, float]:
        return {f"M_best[{self.name}]": self.M_best(bg)}
