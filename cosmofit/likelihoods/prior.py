"""Gaussian priors on parameters or derived quantities, used as datasets.

chi^2 = (x - mean)^T C^-1 (x - mean) for the named quantities x at the
point: a single name gives ((x - mean)/sigma)^2 (``bbn``, ``sh0es``), several
give a correlated Gaussian (``planck_pr4_compressed`` on theta*, omega_b,
omega_bc). Each name counts as one data point. A name is a parameter of the
model or one of :data:`DERIVED_QUANTITIES`; anything else is refused when the
likelihood is built for a model, never silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np

from cosmofit.errors import ParameterError
from cosmofit.likelihoods.base import Likelihood, register_likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.models.registry import Model
from cosmofit.physics.background import Background
from cosmofit.physics.early import THETA_STAR_CONVENTION, theta_star

#: Derived quantities a prior may constrain, computed from the background at the point.
DERIVED_QUANTITIES: dict[str, Callable[[Background], float]] = {
    "omega_b": lambda bg: bg.omega_b,
    "omega_c": lambda bg: bg.omega_cb - bg.omega_b,
    # Baryons + cold dark matter: omega_m without the massive neutrinos.
    "omega_bc": lambda bg: bg.omega_cb,
    "omega_m": lambda bg: bg.omega_m,
    "h": lambda bg: bg.h,
    "theta_star": theta_star,
    "r_drag": lambda bg: bg.r_drag,
    "h_rdrag": lambda bg: bg.h * bg.r_drag,
    "Omega_r": lambda bg: bg.Or,
}


def known_quantities(model: Model) -> list[str]:
    """Everything a prior may name for ``model``: its parameters, then derived quantities."""
    derived = [name for name in DERIVED_QUANTITIES if name not in model.param_names]
    return [*model.param_names, *derived]


def check_quantity(name: str, model: Model, *, source: str) -> None:
    """Raise ParameterError unless ``name`` is a parameter of ``model`` or a derived quantity."""
    known = known_quantities(model)
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ParameterError(
        f"{source}: prior on {name!r}{hint}, which is neither a parameter of {model.name}"
        f" ({', '.join(model.param_names)}) nor a derived quantity"
        f" ({', '.join(DERIVED_QUANTITIES)}); use a model that has it or re-add the prior"
    )


def quantity(bg: Background, name: str):
    """A parameter or derived quantity at this background (a (P, 1) column for a batch)."""
    if name in bg.params:
        return bg.params[name]
    return DERIVED_QUANTITIES[name](bg)


@register_likelihood("prior")
class GaussianPriorLikelihood(Likelihood):
    def __init__(self, name, data, *, cov_scale: float = 1.0):
        super().__init__(name, data, cov_scale=cov_scale)
        self.names = tuple(data.names)
        self.values = np.asarray(data.values, dtype=float)
        self.sigma = np.sqrt(np.diag(np.asarray(data.cov, dtype=float)))
        self.covariance = GaussianCovariance(data.cov, source=name, cov_scale=cov_scale)
        if "theta_star" in self.names:  # theta* depends on how z* is computed: record it
            self.convention = THETA_STAR_CONVENTION

    @property
    def n_data(self) -> int:
        return self.values.size

    def check_model(self, model: Model) -> None:
        for name in self.names:
            check_quantity(name, model, source=f"dataset {self.name}")

    def theory(self, bg: Background) -> np.ndarray:
        """The named quantities in order: shape (n,) for one point, (P, n) for a batch."""
        values = [quantity(bg, name) for name in self.names]
        if bg.batched:
            return np.hstack([np.broadcast_to(v, (bg.size, 1)) for v in values])
        return np.array([float(v) for v in values])

    def chi2_points(self, bg: Background) -> np.ndarray:
        return self.covariance.chi2_rows(self.values - self.theory(bg))

    def derived(self, bg: Background) -> dict[str, float]:
        """Each quantity's pull (x - mean)/sigma, the number the report plots."""
        pulls = (self.theory(bg) - self.values) / (self.sigma * np.sqrt(self.cov_scale))
        return {
            f"pull[{self.name}:{name}]": float(pull)
            for name, pull in zip(self.names, pulls, strict=True)
        }
