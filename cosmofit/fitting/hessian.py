"""1-sigma errors from the Hessian of chi^2/2, and the directions the data leave flat.

The Hessian is taken by central finite differences in the optimizer's unit
coordinates, over every optimized parameter (those resting on a bound
included, with the differences taken just inside the box).

* Rank test. The eigenvalues of the Hessian give the constrained directions:
  one whose 1-sigma width exceeds half of the box (:data:`UNCONSTRAINED_WIDTH`)
  is flat. A parameter is *unconstrained* when more than :data:`FLAT_WEIGHT`
  of it lies along flat directions, or its width over the constrained
  directions exceeds half of the box. This catches single
  parameters no observable depends on (ns on background data) and
  combinations the data cannot split (H0 and omega_b at fixed h r_d for BAO
  alone; three parameters against one BAO point), which a diagonal test or
  a conditional inversion would miss. The number of constrained directions
  (the rank) is the ``k`` of AIC and BIC. Errors are the widths over the
  constrained directions with the flat ones profiled out, which is what a
  profile likelihood gives for a parameter orthogonal to the flat valley
  (Om0 from BAO alone).
* Bounds. A parameter within :data:`NEAR_BOUND` of a bound whose chi^2 does
  not rise towards it is *at the bound*. Errors of the others are then
  conditional on it (its direction is held fixed), unless the bound sits in
  a flat valley, which the rank test reports instead.
* One-dimensional check. Along every constrained eigen-direction chi^2 is
  evaluated one sigma either side. If that step leaves the box or chi^2
  rises by less than :data:`MIN_RISE` (a valley far flatter than its
  curvature says), the parameters along it get no error: the quadratic
  approximation does not hold there and only a profile can tell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cosmofit.models.params import ParamSpec

#: A 1-sigma width (in unit coordinates) beyond this means "not constrained".
UNCONSTRAINED_WIDTH = 0.5
#: Finite-difference step in unit coordinates.
STEP = 1e-4
#: A unit coordinate this close to 0 or 1 (ten finite-difference steps), with chi^2
#: not rising towards the bound, counts as resting on the bound.
NEAR_BOUND = 10 * STEP
#: A parameter with more than this weight (norm of its eigenvector components) along
#: the flat directions is unconstrained: the data cannot tell it from a combination
#: they do not measure.
FLAT_WEIGHT = 0.1
#: A parameter with more than this weight along a direction failing the 1-d check loses its error.
LOADING = 0.3
#: chi^2 must rise by at least this much one Hessian sigma away from the optimum (1 if quadratic).
MIN_RISE = 0.25


@dataclass
class ErrorEstimate:
    errors: dict[str, float] = field(default_factory=dict)
    unconstrained: list[str] = field(default_factory=list)
    at_bound: list[str] = field(default_factory=list)
    correlation: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Constrained directions of the Hessian (at-bound parameters included).
    rank: int = 0
    #: Parameters whose quoted error is not trusted after the one-dimensional check, and why.
    unconfirmed: dict[str, str] = field(default_factory=dict)


def hessian(chi2: Callable[[np.ndarray], float], u: np.ndarray, step: float = STEP) -> np.ndarray:
    """Hessian of chi2/2 at ``u`` by central differences (the point is moved inside the box)."""
    n = u.size
    centre = np.clip(u, step, 1.0 - step)
    f0 = chi2(centre)
    hess = np.empty((n, n))
    eye = np.eye(n) * step
    plus = [chi2(centre + eye[i]) for i in range(n)]
    minus = [chi2(centre - eye[i]) for i in range(n)]
    for i in range(n):
        hess[i, i] = (plus[i] - 2.0 * f0 + minus[i]) / step**2
        for j in range(i):
            value = (
                chi2(centre + eye[i] + eye[j])
                - chi2(centre + eye[i] - eye[j])
                - chi2(centre - eye[i] + eye[j])
                + chi2(centre - eye[i] - eye[j])
            ) / (4.0 * step**2)
            hess[i, j] = hess[j, i] = value
    return hess / 2.0


def to_parameter_units(spec: ParamSpec, value: float, sigma_u: float) -> float:
    """Convert a 1-sigma width in unit coordinates into the parameter's own units."""
    low, high = spec.bounds
    if spec.scale == "log":
        return value * math.log(10.0) * sigma_u * (math.log10(high) - math.log10(low))
    return sigma_u * (high - low)


def resting_on_bound(chi2: Callable[[np.ndarray], float], u: np.ndarray) -> list[int]:
    """Indices within NEAR_BOUND of a bound where chi^2 at the bound is no higher."""
    f0 = chi2(u)
    tolerance = 1e-9 * max(1.0, abs(f0))
    found = []
    for i, x in enumerate(u):
        if x > NEAR_BOUND and x < 1.0 - NEAR_BOUND:
            continue
        edge = u.copy()
        edge[i] = 0.0 if x <= NEAR_BOUND else 1.0
        if edge[i] == x or chi2(edge) <= f0 + tolerance:
            found.append(i)
    return found


def _directions(hess: np.ndarray, flat_limit: float):
    """Eigen-decomposition split into constrained and flat directions.

    Returns eigenvalues, eigenvectors, the covariance over the constrained
    directions only (the flat ones profiled out, as a profile likelihood
    would), the widths it implies and each parameter's weight along the flat
    directions.
    """
    values, vectors = np.linalg.eigh(hess)
    strong = values >= flat_limit
    cov = (vectors[:, strong] / values[strong]) @ vectors[:, strong].T
    widths = np.sqrt(np.maximum(np.diag(cov), 0.0))
    flat_weight = np.sqrt(np.sum(vectors[:, ~strong] ** 2, axis=1))
    return values, vectors, cov, widths, flat_weight


def estimate_errors(
    chi2: Callable[[np.ndarray], float],
    u_best: np.ndarray,
    specs: Sequence[ParamSpec],
    values: dict[str, float],
) -> ErrorEstimate:
    """Errors, unconstrained parameters, bound hits and rank at the optimum ``u_best``."""
    names = [s.name for s in specs]
    u_best = np.clip(np.asarray(u_best, dtype=float), 0.0, 1.0)
    estimate = ErrorEstimate()
    bound_idx = resting_on_bound(chi2, u_best)
    estimate.at_bound = [names[i] for i in bound_idx]
    hess = hessian(chi2, u_best)
    if not np.all(np.isfinite(hess)):
        estimate.unconstrained = list(names)
        return estimate
    flat_limit = 1.0 / UNCONSTRAINED_WIDTH**2
    eigen, _, _, widths, weight = _directions(hess, flat_limit)
    estimate.rank = int(np.sum(eigen >= flat_limit))
    flat = {
        i for i in range(len(names)) if weight[i] > FLAT_WEIGHT or widths[i] > UNCONSTRAINED_WIDTH
    }
    # Errors: condition on parameters held by a bound (unless they lie in a flat valley).
    kept = [i for i in range(len(names)) if i in flat or i not in bound_idx]
    if kept:
        sub = hess[np.ix_(kept, kept)]
        eigen, vectors, cov, sub_widths, sub_weight = _directions(sub, flat_limit)
        flat |= {
            i
            for k, i in enumerate(kept)
            if sub_weight[k] > FLAT_WEIGHT or sub_widths[k] > UNCONSTRAINED_WIDTH
        }
        bad = _one_dimensional_check(chi2, u_best, kept, bound_idx, eigen, vectors, flat_limit)
        for k, i in enumerate(kept):
            if i in flat:
                continue
            reason = next((why for load, why in bad if abs(load[k]) > LOADING), None)
            if reason is not None:
                estimate.unconfirmed[names[i]] = reason
                continue
            estimate.errors[names[i]] = to_parameter_units(
                specs[i], values[names[i]], sub_widths[k]
            )
        shown = [k for k, i in enumerate(kept) if names[i] in estimate.errors]
        estimate.correlation = {
            names[kept[a]]: {
                names[kept[b]]: float(cov[a, b] / (sub_widths[a] * sub_widths[b])) for b in shown
            }
            for a in shown
        }
    estimate.unconstrained = [
        n for i, n in enumerate(names) if i in flat or n in estimate.unconfirmed
    ]
    return estimate


def _one_dimensional_check(chi2, u_best, kept, bound_idx, eigen, vectors, flat_limit):
    """(loadings, reason) of each constrained direction where chi^2 is not quadratic to 1 sigma."""
    f0 = chi2(u_best)
    failed = []
    for k in range(eigen.size):
        if eigen[k] < flat_limit:
            continue
        step = np.zeros_like(u_best)
        step[kept] = vectors[:, k] / math.sqrt(eigen[k])
        for sign in (1.0, -1.0):
            trial = u_best + sign * step
            free = [i for i in kept if i not in bound_idx]
            if any(trial[i] < 0.0 or trial[i] > 1.0 for i in free):
                failed.append((vectors[:, k], "its 1-sigma valley reaches a bound"))
                break
            rise = chi2(np.clip(trial, 0.0, 1.0)) - f0
            if not rise >= MIN_RISE:
                failed.append((vectors[:, k], f"chi2 rises only {rise:.2g} one sigma away"))
                break
    return failed
