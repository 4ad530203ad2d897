"""Planck 2018 CMB distance priors (R, l_A, omega_b), Chen, Huang & Wang (2019)."""

from __future__ import annotations

import math

import numpy as np

from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.background import Background


def shift_parameter(bg: Background) -> float:
    """R = sqrt(Om0) H0 D_M(z*) / c."""
    return np.sqrt(bg.params["Om0"]) * bg.DM_star / bg.hubble_distance


def acoustic_scale(bg: Background) -> float:
    """l_A = pi D_M(z*) / r_s(z*)."""
    return math.pi * bg.DM_star / bg.rs_star


@register_likelihood("cmb")
class CMBPriorLikelihood(Likelihood):
    def __init__(self, name, data, *, cov_scale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        self.values = np.asarray(data.values, dtype=float)
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)

    @property
    def n_data(self) -> int:
        return self.values.size

    def theory(self, bg: Background) -> np.ndarray:
        """(R, l_A, omega_b), with a leading axis of points for a batch."""
        columns = (shift_parameter(bg), acoustic_scale(bg), bg.omega_b)
        return np.concatenate(np.broadcast_arrays(*map(np.atleast_1d, columns)), axis=-1)

    def chi2_points(self, bg: Background) -> np.ndarray:
        return self.covariance.chi2_rows(self.values - self.theory(bg))

    def derived(self, bg: Background) -> dict[str, float]:
        return {"R": shift_parameter(bg), "l_A": acoustic_scale(bg)}
