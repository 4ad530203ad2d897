"""Gaussian chi^2 with a covariance factored once.

The covariance is Cholesky-factored when the dataset loads (C = L L^T); each
call then costs one triangular solve, w = L^-1 r, and chi^2 = |w|^2. A
covariance scale s (``cov_scale``) multiplies C, so chi^2 -> chi^2 / s.
Small covariances (CMB priors, BAO) also keep L^-1 itself, so residuals of
many parameter points are whitened by one small matrix product.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.linalg.blas import dtrsm, dtrsv

from cosmofit.data.records import cholesky_lower
from cosmofit.errors import DataError, UsageError

#: Up to this size the inverse factor L^-1 is kept (a product beats a solve).
EXPLICIT_INVERSE_MAX = 64


def sum_of_squares(rows: np.ndarray) -> np.ndarray:
    """|r|^2 of every row (the last axis); a 1-D input gives a 0-d array."""
    if rows.ndim == 1:
        return np.dot(rows, rows)  # the fastest form for one point
    return np.einsum("...i,...i->...", rows, rows)


class GaussianCovariance:
    """A validated, factored covariance matrix."""

    def __init__(self, cov: np.ndarray, *, source: str, cov_scale: float = 1.0):
        cov = np.asarray(cov, dtype=float)
        if not (np.isfinite(cov_scale) and cov_scale > 0):
            raise UsageError(f"cov-scale must be a positive number, got {cov_scale}")
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
            raise DataError(f"{source}: covariance has shape {cov.shape}, expected a square matrix")
        if not np.all(np.isfinite(cov)):
            raise DataError(f"{source}: covariance contains NaN or infinite entries")
        scale = float(np.max(np.abs(cov))) or 1.0
        if float(np.max(np.abs(cov - cov.T))) > 1e-10 * scale:
            raise DataError(f"{source}: covariance is not symmetric; re-export it from the release")
        try:
            lower = cholesky_lower(cov)
        except np.linalg.LinAlgError:
            raise DataError(
                f"{source}: covariance is not positive definite; check the file and row selection"
            ) from None
        self.source = source
        self.size = cov.shape[0]
        self.cov_scale = float(cov_scale)
        self._lower = np.asfortranarray(lower)
        self._inverse_t = (  # (L^-1)^T, so that rows whiten as r @ (L^-1)^T
            np.ascontiguousarray(solve_triangular(lower, np.eye(self.size), lower=True).T)
            if self.size <= EXPLICIT_INVERSE_MAX
            else None
        )

    def whiten(self, residual: np.ndarray) -> np.ndarray:
        """L^-1 r for the unscaled covariance (one triangular solve)."""
        return dtrsv(self._lower, residual, lower=1)

    def whiten_rows(self, residuals: np.ndarray) -> np.ndarray:
        """L^-1 r for every row r of ``residuals`` (shape (..., n), one row per point)."""
        if self._inverse_t is not None:
            return residuals @ self._inverse_t
        if residuals.ndim == 1:
            return self.whiten(residuals)
        return self.whiten_block(residuals.reshape(-1, self.size).T).T.reshape(residuals.shape)

    def chi2_rows(self, residuals: np.ndarray) -> np.ndarray:
        """chi^2 of every row of ``residuals`` (..., n); a 1-D residual gives a 0-d array."""
        return sum_of_squares(self.whiten_rows(residuals)) / self.cov_scale

    def chi2(self, residual: np.ndarray) -> float:
        w = self.whiten(residual)
        return float(w @ w) / self.cov_scale

    def whiten_block(self, residuals: np.ndarray) -> np.ndarray:
        """L^-1 R for residual columns R (n x K) with one triangular solve.

        One dtrsm runs at matrix-matrix speed where K dtrsv calls are memory bound.
        Columns stay independent: a NaN in one point's residual reaches no other point.
        """
        if residuals.shape[1] == 1:  # a single column: the vector solve is faster
            return self.whiten(residuals[:, 0])[:, np.newaxis]
        return dtrsm(1.0, self._lower, np.asfortranarray(residuals, dtype=float), lower=1)

    def chi2_block(self, residuals: np.ndarray) -> np.ndarray:
        """chi^2 of every column of ``residuals`` (n x K)."""
        w = self.whiten_block(residuals)
        return np.einsum("ij,ij->j", w, w) / self.cov_scale
