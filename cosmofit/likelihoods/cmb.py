"""Planck 2018 CMB distance priors (R, l_A, omega_b), Chen, Huang & Wang (2019).

R and l_A are predicted with the recipe the priors were built with
(:mod:`cosmofit.physics.distance_priors`), not with the full-physics sound
horizon the BAO use: a compressed likelihood is only valid under its own
definitions.
"""

from __future__ import annotations

import numpy as np

from cosmofit.errors import PhysicsError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.background import Background
from cosmofit.physics.distance_priors import CONVENTION, DistancePriorTheory, distance_priors


def prior_theory(bg: Background) -> DistancePriorTheory:
    """R, l_A and the scales behind them at the point of ``bg``, by the priors' own recipe."""
    return distance_priors(bg.model, bg.params)


@register_likelihood("cmb")
class CMBPriorLikelihood(Likelihood):
    convention = CONVENTION

    def __init__(self, name, data, *, cov_scale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        self.values = np.asarray(data.values, dtype=float)
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)

    @property
    def n_data(self) -> int:
        return self.values.size

    def theory(self, bg: Background) -> np.ndarray:
        """(R, l_A, omega_b), with a leading axis of points for a batch."""
        predicted = prior_theory(bg)
        R, l_A = predicted.R, predicted.l_A
        if bg.batched:  # (P, 1) columns side by side
            return np.hstack([R, l_A, np.broadcast_to(bg.omega_b, R.shape)])
        return np.array([R, l_A, bg.omega_b])

    def chi2_points(self, bg: Background) -> np.ndarray:
        """chi^2 per point; +inf (one point) or NaN (in a batch) where the recipe finds it
        unphysical."""
        try:
            theory = self.theory(bg)
        except PhysicsError:  # only raised for a single point; a batch gets NaN rows
            return np.array(np.inf)
        return self.covariance.chi2_rows(self.values - theory)  # NaN: unphysical in a batch

    def derived(self, bg: Background) -> dict[str, float]:
        predicted = prior_theory(bg)
        return {
            "R": predicted.R,
            "l_A": predicted.l_A,
            f"rs_star[{self.name}]": predicted.rs_star,
        }
