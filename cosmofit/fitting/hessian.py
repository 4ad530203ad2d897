"""1-sigma errors from the Hessian of chi^2/2, and the directions the data leave flat.

The Hessian is taken by central finite differences in the optimizer's unit
coordinates. A parameter is "unconstrained" when its own curvature is so small
that its 1-sigma width exceeds half of its allowed range (ns on background
data: exactly zero curvature; PBUF's alpha, Rmax, eps0, n_eps: almost zero).
Such parameters get no error, rather than an invented one. Parameters
resting on a bound are reported as such and left out of the inversion.
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
#: A unit coordinate this close to 0 or 1 counts as resting on the bound.
AT_BOUND = 1e-6


@dataclass
class ErrorEstimate:
    errors: dict[str, float] = field(default_factory=dict)
    unconstrained: list[str] = field(default_factory=list)
    at_bound: list[str] = field(default_factory=list)
    correlation: dict[str, dict[str, float]] = field(default_factory=dict)


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


def estimate_errors(
    chi2: Callable[[np.ndarray], float],
    u_best: np.ndarray,
    specs: Sequence[ParamSpec],
    values: dict[str, float],
) -> ErrorEstimate:
    """Errors, unconstrained parameters and bound hits at the optimum ``u_best``."""
    names = [s.name for s in specs]
    estimate = ErrorEstimate()
    estimate.at_bound = [
        n for n, x in zip(names, u_best, strict=True) if x <= AT_BOUND or x >= 1.0 - AT_BOUND
    ]
    hess = hessian(chi2, u_best)
    if not np.all(np.isfinite(hess)):
        estimate.unconstrained = [n for n in names if n not in estimate.at_bound]
        return estimate
    active = [i for i, n in enumerate(names) if n not in estimate.at_bound]
    flat_limit = 1.0 / UNCONSTRAINED_WIDTH**2
    while active:
        sub = hess[np.ix_(active, active)]
        diag = np.diag(sub)
        flat = [active[k] for k in range(len(active)) if diag[k] < flat_limit]
        if flat:
            estimate.unconstrained.extend(names[i] for i in flat)
            active = [i for i in active if i not in flat]
            continue
        try:
            cov = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            cov = None
        if cov is not None and np.all(np.diag(cov) > 0):
            widths = np.sqrt(np.diag(cov))
            too_wide = [active[k] for k, w in enumerate(widths) if w > UNCONSTRAINED_WIDTH]
            if not too_wide:
                for k, i in enumerate(active):
                    estimate.errors[names[i]] = to_parameter_units(
                        specs[i], values[names[i]], widths[k]
                    )
                corr = cov / np.outer(widths, widths)
                estimate.correlation = {
                    names[i]: {names[j]: float(corr[a, b]) for b, j in enumerate(active)}
                    for a, i in enumerate(active)
                }
                break
            # the widest one is part of a degenerate combination: drop it and retry
            widest = max(
                too_wide, key=lambda i: math.sqrt(abs(cov[active.index(i), active.index(i)]))
            )
        else:
            # not positive definite: drop the parameter with the weakest curvature
            widest = active[int(np.argmin(diag))]
        estimate.unconstrained.append(names[widest])
        active = [i for i in active if i != widest]
    estimate.unconstrained = [n for n in names if n in set(estimate.unconstrained)]
    return estimate
