"""Consistency of two independent data combinations: a parameter-difference significance.

Each combination is fitted on its own; the compared quantities q (parameters
or derived quantities such as ``h_rdrag``) get Gaussian errors from the
Hessian of chi^2/2, propagated through the Jacobian dq/du in the optimizer's
unit coordinates (a pseudo-inverse, so a degenerate parameter direction that
leaves q unchanged, like H0-Obh2 on BAO alone, does not matter). Then

    chi^2_diff = (q_A - q_B)^T (C_A + C_B)^-1 (q_A - q_B),

with len(q) degrees of freedom, is turned into a probability to exceed and a
two-sided Gaussian-equivalent number of sigma; this is how DESI DR2 quotes
the BAO-CMB tension in (Omega_m, h r_d) (arXiv:2503.14738, eq. 18). A side
that is one Gaussian prior dataset on exactly the compared quantities (e.g.
``sh0es`` for H0) is used as it is, without a fit.

The joint fit A+B is also run, giving the shift of each quantity from A in
units of A's sigma and Q_DMAP = chi^2_min(A+B) - chi^2_min(A) - chi^2_min(B)
(Raveri & Hu 2019, arXiv:1806.04649), the goodness-of-fit loss of combining.

The numbers assume Gaussian posteriors and independent A and B: with
non-Gaussian or bounded fits they are indicative, and the result says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cosmofit.errors import OptimizationError, UsageError
from cosmofit.fitting.hessian import hessian, resting_on_bound
from cosmofit.fitting.optimizer import ParameterOptimizer
from cosmofit.likelihoods.joint import JointLikelihood, load_likelihood
from cosmofit.likelihoods.prior import check_quantity, quantity
from cosmofit.models.registry import Model, get_model

#: Step of the Jacobian dq/du in unit coordinates (as the Hessian's).
_JACOBIAN_STEP = 1e-4


@dataclass
class SideResult:
    """One data combination: its best fit and the compared quantities with their covariance."""

    datasets: list[str]
    chi2_min: float
    params: dict[str, float]
    values: dict[str, float]
    cov: np.ndarray
    fitted: bool = True
    notes: list[str] = field(default_factory=list)

    def errors(self) -> dict[str, float]:
        return {name: float(math.sqrt(self.cov[i, i])) for i, name in enumerate(self.values)}


@dataclass
class TensionResult:
    model: str
    quantities: list[str]
    a: SideResult
    b: SideResult
    joint: SideResult
    chi2_diff: float
    dof: int
    pte: float
    sigma: float
    q_dmap: float
    q_dmap_sigma: float
    notes: list[str] = field(default_factory=list)

    def shifts(self) -> dict[str, dict[str, float]]:
        """Each quantity's move from A to A+B, absolute and in A's sigma."""
        out = {}
        for name in self.quantities:
            delta = self.joint.values[name] - self.a.values[name]
            out[name] = {"shift": delta, "shift_sigma_a": delta / self.a.errors()[name]}
        return out

    def to_json(self) -> dict:
        def side(result: SideResult) -> dict:
            return {
                "datasets": result.datasets,
                "fitted": result.fitted,
                "chi2_min": result.chi2_min,
                "params": result.params,
                "values": result.values,
                "errors": result.errors(),
                "notes": result.notes,
            }

        return {
            "model": self.model,
            "quantities": self.quantities,
            "a": side(self.a),
            "b": side(self.b),
            "joint": side(self.joint),
            "difference": {
                "chi2": self.chi2_diff,
                "dof": self.dof,
                "pte": self.pte,
                "sigma": self.sigma,
            },
            "shift_a_to_joint": self.shifts(),
            "q_dmap": {"value": self.q_dmap, "sigma": self.q_dmap_sigma},
            "notes": self.notes,
        }


def gaussian_sigma(chi2: float, dof: int) -> tuple[float, float]:
    """(probability to exceed, two-sided Gaussian-equivalent sigma) of a chi^2 with ``dof``."""
    from scipy import stats

    pte = float(stats.chi2.sf(max(chi2, 0.0), dof))
    return pte, float(stats.norm.isf(pte / 2.0))


def _fit_side(
    likelihood: JointLikelihood,
    model: Model,
    free: Sequence[str],
    fixed: Mapping[str, float],
    quantities: Sequence[str],
    starts: int = 1,
) -> SideResult:
    specs = [model.spec(name) for name in free]
    start = model.complete(fixed)
    optimizer = ParameterOptimizer(likelihood.chi2, specs, {**start}, starts=starts)
    outcome = optimizer.run(start)
    u_best = optimizer.space.to_unit(outcome.best)
    params = {**start, **outcome.best}
    notes = []
    if not outcome.converged:
        notes.append("the fit did not converge")
    bounded = [free[i] for i in resting_on_bound(optimizer.chi2_at, u_best)]
    if bounded:
        notes.append(f"{', '.join(bounded)} at a bound: Gaussian errors are not reliable")

    def values_at(u: np.ndarray) -> np.ndarray:
        bg, reason = likelihood.background(optimizer.params_at(u))
        if bg is None:
            raise OptimizationError(f"no background near the best fit ({reason})")
        return np.array([quantity(bg, name) for name in quantities])

    centre = np.clip(u_best, _JACOBIAN_STEP, 1.0 - _JACOBIAN_STEP)
    hess = hessian(optimizer.chi2_at, u_best)
    jac = np.empty((len(quantities), len(free)))
    for j in range(len(free)):
        step = np.zeros(len(free))
        step[j] = _JACOBIAN_STEP
        jac[:, j] = (values_at(centre + step) - values_at(centre - step)) / (2 * _JACOBIAN_STEP)
    cov_u = np.linalg.pinv(hess, rcond=1e-10, hermitian=True)
    cov = jac @ cov_u @ jac.T
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        raise OptimizationError(
            f"{'+'.join(likelihood.datasets)} does not constrain {', '.join(quantities)};"
            " compare quantities these data measure, or free more parameters"
        )
    return SideResult(
        datasets=likelihood.datasets,
        chi2_min=outcome.chi2,
        params=params,
        values=dict(zip(quantities, values_at(u_best), strict=True)),
        cov=cov,
        notes=notes,
    )


def _checked_request(
    model: str, fixed: Mapping[str, float] | None, quantities: Sequence[str]
) -> tuple[Model, dict[str, float]]:
    """The model and the fixed values, after checking every name the request uses."""
    model_obj = get_model(model)
    fixed = dict(fixed or {})
    model_obj.check_names(fixed)
    if not quantities:
        raise UsageError("name at least one quantity to compare, e.g. --compare Om0,h_rdrag")
    for name in quantities:
        check_quantity(name, model_obj, source="--compare")
    return model_obj, fixed


def fit_quantities(
    datasets: str,
    *,
    model: str = "lcdm",
    quantities: Sequence[str],
    params: Sequence[str] | None = None,
    fixed: Mapping[str, float] | None = None,
    starts: int = 1,
) -> SideResult:
    """Best fit of one data combination and the Gaussian errors of ``quantities`` there."""
    model_obj, fixed = _checked_request(model, fixed, quantities)
    free = list(params or model_obj.optimizable)
    model_obj.check_names(free)
    likelihood = load_likelihood(datasets, model_obj)
    return _fit_side(likelihood, model_obj, free, fixed, quantities, starts)


def _prior_side(likelihood: JointLikelihood, quantities: Sequence[str]) -> SideResult | None:
    """A side that is a single Gaussian prior on exactly ``quantities``: its mean and covariance."""
    if len(likelihood.components) != 1 or likelihood.components[0].kind != "prior":
        return None
    prior = likelihood.components[0]
    if sorted(prior.names) != sorted(quantities):
        return None
    order = [prior.names.index(name) for name in quantities]
    cov = np.asarray(prior.data.cov, dtype=float)[np.ix_(order, order)] * prior.cov_scale
    return SideResult(
        datasets=likelihood.datasets,
        chi2_min=0.0,
        params={},
        values={name: float(prior.values[i]) for name, i in zip(quantities, order, strict=True)},
        cov=cov,
        fitted=False,
        notes=["a Gaussian prior: its mean and covariance are used as they are"],
    )


def parameter_tension(
    datasets_a: str,
    datasets_b: str,
    *,
    model: str = "lcdm",
    quantities: Sequence[str],
    params: Sequence[str] | None = None,
    params_a: Sequence[str] | None = None,
    params_b: Sequence[str] | None = None,
    fixed: Mapping[str, float] | None = None,
    starts: int = 1,
) -> TensionResult:
    """Fit A, B and A+B; the parameter-difference significance of ``quantities`` between A and B."""
    model_obj, fixed = _checked_request(model, fixed, quantities)
    free_default = list(params or model_obj.optimizable)
    free_a = list(params_a or free_default)
    free_b = list(params_b or free_default)
    for names in (free_a, free_b):
        model_obj.check_names(names)
    like_a = load_likelihood(datasets_a, model_obj)
    like_b = load_likelihood(datasets_b, model_obj)
    overlap = sorted(set(like_a.datasets) & set(like_b.datasets))
    if overlap:
        raise UsageError(
            f"{', '.join(overlap)} is in both combinations; the difference test needs"
            " independent data (A and B share no dataset)"
        )
    like_joint = load_likelihood([*like_a.datasets, *like_b.datasets], model_obj)
    side_a = _fit_side(like_a, model_obj, free_a, fixed, quantities, starts)
    side_b = _prior_side(like_b, quantities) or _fit_side(
        like_b, model_obj, free_b, fixed, quantities, starts
    )
    free_joint = list(dict.fromkeys([*free_a, *free_b]))
    joint = _fit_side(like_joint, model_obj, free_joint, fixed, quantities, starts)

    delta = np.array([side_a.values[q] - side_b.values[q] for q in quantities])
    chi2_diff = float(delta @ np.linalg.solve(side_a.cov + side_b.cov, delta))
    dof = len(quantities)
    pte, sigma = gaussian_sigma(chi2_diff, dof)
    q_dmap = joint.chi2_min - side_a.chi2_min - side_b.chi2_min
    _, q_sigma = gaussian_sigma(q_dmap, dof)
    notes = [
        "Gaussian approximation (Hessian errors) for independent data combinations;"
        f" Q_DMAP is converted with {dof} degree(s) of freedom"
    ]
    for side in (side_a, side_b, joint):
        notes.extend(f"{'+'.join(side.datasets)}: {note}" for note in side.notes)
    return TensionResult(
        model=model_obj.name,
        quantities=list(quantities),
        a=side_a,
        b=side_b,
        joint=joint,
        chi2_diff=chi2_diff,
        dof=dof,
        pte=pte,
        sigma=sigma,
        q_dmap=float(q_dmap),
        q_dmap_sigma=q_sigma,
        notes=notes,
    )
