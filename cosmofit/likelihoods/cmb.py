"""Planck 2018 CMB distance priors (R, l_A, omega_b), Chen, Huang & Wang (2019).

R and l_A are predicted with the recipe the priors were built with
(:mod:`cosmofit.physics.distance_priors`), not with the full-physics sound
horizon the BAO use: a compressed likelihood is only valid under its own
definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cosmofit.errors import PhysicsError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance, batch_chi2
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
        predicted = prior_theory(bg)
        return np.array([predicted.R, predicted.l_A, bg.omega_b])

    def _theory_or_none(self, bg: Background | None) -> np.ndarray | None:
        """The prediction, or None where the recipe finds the point unphysical."""
        if bg is None:
            return None
        try:
            return self.theory(bg)
        except PhysicsError:
            return None

    def chi2(self, bg: Background) -> float:
        predicted = self._theory_or_none(bg)
        if predicted is None:
            return float("inf")
        return self.covariance.chi2(self.values - predicted)

    def chi2_batch(self, backgrounds: Sequence[Background | None]) -> np.ndarray:
        """chi^2 at several points: residual columns whitened by one block solve."""
        theories = [self._theory_or_none(bg) for bg in backgrounds]
        return batch_chi2(self.covariance, theories, lambda theory: self.values - theory)

    def derived(self, bg: Background) -> dict[str, float]:
        predicted = prior_theory(bg)
        return {
            "R": predicted.R,
            "l_A": predicted.l_A,
            f"rs_star[{self.name}]": predicted.rs_star,
        }
