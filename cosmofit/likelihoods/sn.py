"""Type Ia supernovae with the absolute magnitude offset M profiled analytically.

With r0 = m - mu_th and C = L L^T, write w = L^-1 r0 and u = L^-1 1 (fixed
once at load). Minimising over M gives
    chi^2 = w.w - (u.w)^2 / u.u,    M_best = (u.w) / u.u,
so each call is one triangular solve. With M free, SN data fix only the shape
of D_L(z), never H0: H0 is exactly degenerate with M.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance, residual_block
from cosmofit.physics.background import Background, GridPlan


@register_likelihood("sn")
class SupernovaLikelihood(Likelihood):
    def __init__(self, name, data, *, cov_scale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        self.z_cos = np.asarray(data.z_cos, dtype=float)
        self.z_hel = np.asarray(data.z_hel, dtype=float)
        self.m = np.asarray(data.m, dtype=float)
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)
        self._plan = GridPlan.for_redshifts(self.z_cos)
        self._log_one_plus_zhel = np.log10(1.0 + self.z_hel)
        self._u = self.covariance.whiten(np.ones_like(self.m))
        self._uu = float(self._u @ self._u)

    @property
    def n_data(self) -> int:
        return self.m.size

    def _residual(self, bg: Background) -> np.ndarray:
        dm = bg.transverse_distance_planned(self._plan)
        mu = 5.0 * (np.log10(dm) + self._log_one_plus_zhel) + 25.0
        return self.m - mu

    def _whitened_residual(self, bg: Background) -> np.ndarray:
        return self.covariance.whiten(self._residual(bg))

    def chi2(self, bg: Background) -> float:
        w = self._whitened_residual(bg)
        uw = float(self._u @ w)
        return (float(w @ w) - uw * uw / self._uu) / self.cov_scale

    def chi2_batch(self, backgrounds: Sequence[Background | None]) -> np.ndarray:
        """chi^2 at several points: the residual columns are whitened by one block solve."""
        out = np.full(len(backgrounds), np.inf)
        block, present = residual_block(self.m.size, backgrounds, self._residual)
        if present:
            w = self.covariance.whiten_block(block)
            uw = self._u @ w
            out[present] = (np.einsum("ij,ij->j", w, w) - uw * uw / self._uu) / self.cov_scale
        return out

    def M_best(self, bg: Background) -> float:
        """Best-fit absolute magnitude offset added to mu_th."""
        return float(self._u @ self._whitened_residual(bg)) / self._uu

    def derived(self, bg: Background) -> dict[str, float]:
        return {f"M_best[{self.name}]": self.M_best(bg)}
