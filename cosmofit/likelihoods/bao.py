"""BAO distance ratios: D_V/r_d, D_M/r_d, D_H/r_d and r_d/D_V at each redshift."""

from __future__ import annotations

import math

import numpy as np

from cosmofit.errors import DataError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.background import Background, GridPlan

BAO_KINDS = ("DV_over_rs", "DM_over_rs", "DH_over_rs", "rs_over_DV")


@register_likelihood("bao")
class BAOLikelihood(Likelihood):
    """BAO ratios against the model's full-physics r_d.

    ``rd_rescale`` multiplies r_d for a dataset published with another
    sound-horizon convention: 6dFGS (Beutler et al. 2011) quoted r_s/D_V with the
    Eisenstein & Hu (1998) fitting-formula r_s, which is 1.027369826 times a
    Boltzmann code's r_drag for its fiducial cosmology (the factor Cobaya's
    ``rs_rescale`` and MontePython apply). It is set by the dataset's spec.
    """

    options = ("rd_rescale",)

    def __init__(self, name, data, *, cov_scale: float = 1.0, rd_rescale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        if not (math.isfinite(rd_rescale) and rd_rescale > 0.0):
            raise DataError(
                f"{name}: rd_rescale must be a positive number, got {rd_rescale!r};"
                " fix the dataset's options"
            )
        self.rd_rescale = float(rd_rescale)
        self.z = np.asarray(data.z, dtype=float)
        self.values = np.asarray(data.values, dtype=float)
        kinds = np.asarray(data.kinds)
        unknown = sorted(set(kinds) - set(BAO_KINDS))
        if unknown:
            raise DataError(f"{name}: unknown BAO kind {unknown[0]!r}; use one of {BAO_KINDS}")
        # theory = [D_V, D_M, D_H] / r_d taken at these positions, inverted for r_d/D_V rows
        distance = {"DV_over_rs": 0, "DM_over_rs": 1, "DH_over_rs": 2, "rs_over_DV": 0}
        self._take = np.array([distance[k] * kinds.size + i for i, k in enumerate(kinds)])
        self._invert = np.flatnonzero(kinds == "rs_over_DV")
        self._plan = GridPlan.for_redshifts(self.z, rates=True)
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)

    @property
    def plans(self) -> tuple[GridPlan, ...]:
        return (self._plan,)

    @property
    def n_data(self) -> int:
        return self.values.size

    @property
    def convention(self) -> str | None:
        return None if self.rd_rescale == 1.0 else f"rd_rescale={self.rd_rescale!r}"

    def theory(self, bg: Background) -> np.ndarray:
        """The observables in data order, with a leading axis of points for a batch."""
        dc, dh = bg.distances_and_rates(self._plan)
        dm = bg.transverse_distance(dc)
        dv = np.cbrt(self.z * dm * dm * dh)
        rd = bg.r_drag * self.rd_rescale
        theory = (np.concatenate([dv, dm, dh], axis=-1) / rd)[..., self._take]
        if self._invert.size:
            theory[..., self._invert] = 1.0 / theory[..., self._invert]
        return theory

    def chi2_points(self, bg: Background) -> np.ndarray:
        return self.covariance.chi2_rows(self.values - self.theory(bg))

    def derived(self, bg: Background) -> dict[str, float]:
        return {"h_rdrag": bg.h * bg.r_drag}
