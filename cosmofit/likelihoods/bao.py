"""BAO distance ratios: D_V/r_d, D_M/r_d, D_H/r_d and r_d/D_V at each redshift."""

from __future__ import annotations

import numpy as np

from cosmofit.errors import DataError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.background import Background, GridPlan
from cosmofit.physics.constants import C_KM_S

BAO_KINDS = ("DV_over_rs", "DM_over_rs", "DH_over_rs", "rs_over_DV")


@register_likelihood("bao")
class BAOLikelihood(Likelihood):
    def __init__(self, name, data, *, cov_scale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        self.z = np.asarray(data.z, dtype=float)
        self.values = np.asarray(data.values, dtype=float)
        kinds = np.asarray(data.kinds)
        unknown = sorted(set(kinds) - set(BAO_KINDS))
        if unknown:
            raise DataError(f"{name}: unknown BAO kind {unknown[0]!r}; use one of {BAO_KINDS}")
        self._kind_index = np.array([BAO_KINDS.index(kind) for kind in kinds], dtype=np.intp)
        self._row = np.arange(kinds.size)
        self._plan = GridPlan.for_redshifts(self.z)
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)

    @property
    def n_data(self) -> int:
        return self.values.size

    def theory(self, bg: Background) -> np.ndarray:
        """The observables in data order, with a leading axis of points for a batch."""
        dm = bg.transverse_distance_planned(self._plan)
        dh = C_KM_S / bg.H(self.z)
        dv = np.cbrt(self.z * dm * dm * dh)
        rd = bg.r_drag
        by_kind = np.stack([dv / rd, dm / rd, dh / rd, rd / dv], axis=-2)  # BAO_KINDS order
        return by_kind[..., self._kind_index, self._row]

    def chi2_points(self, bg: Background) -> np.ndarray:
        return self.covariance.chi2_rows(self.values - self.theory(bg))

    def derived(self, bg: Background) -> dict[str, float]:
        return {"h_rdrag": bg.h * bg.r_drag}
