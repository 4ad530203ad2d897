"""ParameterOptimizer: bounded minimisation of chi^2 in scaled coordinates.

Every optimized parameter is mapped to u in [0, 1] across its hard bounds
(log10 for log-scale parameters), so one step size and one tolerance suit
H0 in km/s/Mpc and Rmax over six decades alike. Several starts can be run;
the best is kept and the spread of the minima reported as a convergence check.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cosmofit.errors import OptimizationError, UsageError
from cosmofit.models.params import ParamSpec

METHODS = ("L-BFGS-B", "Nelder-Mead", "Powell", "trust-constr")

#: Multi-start points are drawn inside this central part of the unit box, away
#: from the hard bounds where models are least trustworthy.
_START_MARGIN = 0.05
#: Half-width (unit coordinates) of the first trust box, and the most boxes one start may use,
#: for a gradient search that leapt into an unphysical region (see _trust_box_descent).
_TRUST_BOX = 0.05
_TRUST_BOX_STEPS = 200


def retry_advice(method: str, max_iterations: int) -> str:
    """What to try after ``method`` failed: other methods, more starts, more iterations."""
    others = [m for m in ("L-BFGS-B", "Nelder-Mead", "Powell") if m != method][:2]
    return (
        f"try --method {others[0]} or --method {others[1]}, more --starts, fewer optimized "
        f"parameters, or a larger [optimization] max_iterations (now {max_iterations})"
    )


@dataclass
class StartOutcome:
    """One local minimisation."""

    start: dict[str, float]
    final: dict[str, float]
    chi2: float
    success: bool
    message: str
    nfev: int
    nit: int


#: Runs starts elsewhere: takes the unit-box start points and yields ``(index,
#: outcome)`` as each start finishes, in any order (see ``ParameterOptimizer.run``).
MapStarts = Callable[[list[np.ndarray]], Iterable[tuple[int, StartOutcome]]]


@dataclass
class OptimizerOutcome:
    """The best of all starts, plus what the other starts found."""

    names: list[str]
    start: dict[str, float]
    best: dict[str, float]
    chi2_start: float
    chi2: float
    converged: bool
    message: str
    nfev: int
    wall_s: float
    method: str
    options: dict
    starts: list[StartOutcome] = field(default_factory=list)
    u_best: np.ndarray | None = None

    @property
    def spread(self) -> float:
        """Spread of the minima reached by converged starts (0 for a single start)."""
        values = [s.chi2 for s in self.starts if s.success and math.isfinite(s.chi2)]
        return max(values) - min(values) if len(values) > 1 else 0.0


class ScaledSpace:
    """Maps between parameter values and the unit box of the optimized parameters."""

    def __init__(self, specs: Sequence[ParamSpec]):
        self.specs = list(specs)
        self.names = [s.name for s in self.specs]

    def to_unit(self, values: Mapping[str, float]) -> np.ndarray:
        return np.array([s.to_unit(values[s.name]) for s in self.specs])

    def from_unit(self, u: np.ndarray) -> dict[str, float]:
        return {s.name: s.from_unit(float(x)) for s, x in zip(self.specs, u, strict=True)}


class ParameterOptimizer:
    """Minimise ``objective(params) -> chi2`` over ``specs`` with the rest held ``fixed``.

    ``objective`` receives a complete mapping (fixed values plus the optimized
    ones) and may return +inf for an unphysical point; the optimizer steps back
    from such points and never hides them behind a large finite penalty.
    """

    def __init__(
        self,
        objective: Callable[[Mapping[str, float]], float],
        specs: Sequence[ParamSpec],
        fixed: Mapping[str, float] | None = None,
        *,
        method: str = "L-BFGS-B",
        starts: int = 1,
        seed: int = 0,
        tolerance: float = 1e-10,
        max_iterations: int = 5000,
        options: Mapping[str, object] | None = None,
    ):
        if method not in METHODS:
            raise UsageError(
                f"unknown optimizer method {method!r}; choose one of {', '.join(METHODS)}"
            )
        if starts < 1:
            raise UsageError(f"--starts must be at least 1, got {starts}")
        if not specs:
            raise UsageError("nothing to optimize: choose at least one parameter")
        self.objective = objective
        self.space = ScaledSpace(specs)
        self.fixed = dict(fixed or {})
        self.method = method
        self.n_starts = starts
        self.seed = seed
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.extra_options = dict(options or {})
        self.nfev = 0
        self._met_unphysical = False

    # -- objective in the unit box ---------------------------------------------------
    def params_at(self, u: np.ndarray) -> dict[str, float]:
        return {**self.fixed, **self.space.from_unit(u)}

    def chi2_at(self, u: np.ndarray) -> float:
        self.nfev += 1
        value = float(self.objective(self.params_at(np.clip(u, 0.0, 1.0))))
        if math.isnan(value) or math.isinf(value):
            self._met_unphysical = True
            return math.inf
        return value

    # -- starts -------------------------------------------------------------------------
    def start_points(self, start: Mapping[str, float]) -> list[np.ndarray]:
        """Start 0 is ``start``; the others are seeded, spread inside the box (Latin hypercube)."""
        points = [self.space.to_unit(start)]
        if self.n_starts > 1:
            from scipy.stats import qmc

            sampler = qmc.LatinHypercube(d=len(self.space.names), seed=self.seed)
            draws = sampler.random(self.n_starts - 1)
            points.extend(_START_MARGIN + (1 - 2 * _START_MARGIN) * draws)
        return points

    def scipy_options(self) -> dict:
        tol = self.tolerance
        base: dict[str, object] = {
            "L-BFGS-B": {"ftol": tol * 1e-2, "gtol": tol, "maxiter": self.max_iterations},
            "Nelder-Mead": {
                "xatol": tol,
                "fatol": tol,
                "maxiter": self.max_iterations,
                "maxfev": 4 * self.max_iterations,
            },
            "Powell": {"xtol": tol, "ftol": tol, "maxiter": self.max_iterations},
            "trust-constr": {"xtol": tol, "gtol": tol, "maxiter": self.max_iterations},
        }[self.method]
        return {**base, **self.extra_options}

    def _scipy_minimise(self, u0: np.ndarray, method: str | None = None):
        from scipy.optimize import Bounds, minimize

        method = method or self.method
        # Central differences: chi2 of ~1600 supernovae carries rounding noise that
        # one-sided 1e-8 steps would amplify into a useless gradient.
        jac = "3-point" if method in ("L-BFGS-B", "trust-constr") else None
        options = self.scipy_options() if method == self.method else {}
        with warnings.catch_warnings():
            # Finite differences next to a +inf point warn; the stall check below handles it.
            warnings.simplefilter("ignore", RuntimeWarning)
            result = minimize(
                self.chi2_at,
                u0,
                method=method,
                jac=jac,
                bounds=Bounds(np.zeros(u0.size), np.ones(u0.size)),
                options=options,
            )
        u = np.clip(np.asarray(result.x, dtype=float), 0.0, 1.0)
        return result, u, self.chi2_at(u)

    def _trust_box_descent(self, u0: np.ndarray):
        """The gradient method inside a box around the current point, moved until it rests.

        Each box's first step stays inside the box, so it cannot leap into a distant
        unphysical region; a box whose minimum lies on its edge is recentred there, and
        one whose search meets +inf again is halved. Ends when the minimum is interior
        (a local minimum of the full problem) or no box lowers chi2 any further.
        """
        from scipy.optimize import Bounds, minimize

        u, chi2 = u0, self.chi2_at(u0)
        radius, steps, result = _TRUST_BOX, 0, None
        while steps < _TRUST_BOX_STEPS and radius > 1e-6:
            steps += 1
            low, high = np.maximum(u - radius, 0.0), np.minimum(u + radius, 1.0)
            self._met_unphysical = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = minimize(
                    self.chi2_at,
                    u,
                    method=self.method,
                    jac="3-point",
                    bounds=Bounds(low, high),
                    options=self.scipy_options(),
                )
            u_new = np.clip(np.asarray(result.x, dtype=float), low, high)
            chi2_new = self.chi2_at(u_new)
            if not chi2_new < chi2:
                if self._met_unphysical:
                    radius *= 0.5
                    continue
                break
            edge = ((u_new - low < 1e-3 * radius) & (low > 0.0)) | (
                (high - u_new < 1e-3 * radius) & (high < 1.0)
            )
            u, chi2 = u_new, chi2_new
            if not edge.any() and result.success:
                break
        return result, u, chi2, steps

    def _gradient_search_stalled(self, u0: np.ndarray, u: np.ndarray) -> bool:
        """True when a gradient method met +inf and then stopped where it began.

        L-BFGS-B's first step spans the unit box; when it lands in an unphysical
        region (+inf, e.g. w0 + wa >= 0) the finite-difference gradient there is
        undefined and the method reports convergence at its start point.
        """
        return (
            self.method in ("L-BFGS-B", "trust-constr")
            and self._met_unphysical
            and bool(np.all(np.abs(u - u0) < 1e-9))
        )

    def minimise_from(self, u0: np.ndarray) -> StartOutcome:
        """One local minimisation from the unit-box point ``u0`` (one start)."""
        nfev_before = self.nfev
        start_params = self.space.from_unit(u0)
        chi2_start = self.chi2_at(u0)
        if not math.isfinite(chi2_start):
            return StartOutcome(
                start_params,
                start_params,
                math.inf,
                False,
                "chi2 is not finite at the start point",
                self.nfev - nfev_before,
                0,
            )
        self._met_unphysical = False
        result, u, chi2 = self._scipy_minimise(u0)
        success = bool(result.success) and math.isfinite(chi2)
        message = str(result.message)
        nit = int(getattr(result, "nit", 0) or 0)
        if self._gradient_search_stalled(u0, u):
            result, u, chi2, steps = self._trust_box_descent(u0)
            nit += steps
            success = bool(result.success) and math.isfinite(chi2)
            message = (
                f"{self.method} stepped into an unphysical (+inf) region and restarted inside "
                f"moving trust boxes ({steps} boxes): {result.message}"
            )
        # L-BFGS-B ends with an "abnormal" line search when chi2 is flat to rounding
        # precision. Restart once from there: if the restart cannot lower chi2 any
        # further, the point is a minimum to machine precision.
        if not success and math.isfinite(chi2) and "ABNORMAL" in message.upper():
            retry, u_retry, chi2_retry = self._scipy_minimise(u)
            nit += int(getattr(retry, "nit", 0) or 0)
            if chi2_retry < chi2:
                u, chi2 = u_retry, chi2_retry
            if (
                bool(retry.success)
                or chi2_start - chi2 >= 0
                and (chi2_retry >= chi2 - max(1e-9, 1e-12 * abs(chi2)))
            ):
                success = math.isfinite(chi2)
                message = f"{retry.message} (after restart: no further decrease of chi2)"
        return StartOutcome(
            start_params,
            self.space.from_unit(u),
            chi2,
            success,
            message,
            self.nfev - nfev_before,
            nit,
        )

    # -- main entry -----------------------------------------------------------------------
    def run(
        self,
        start: Mapping[str, float],
        on_start_done: Callable[[int, StartOutcome], None] | None = None,
        *,
        map_starts: MapStarts | None = None,
    ) -> OptimizerOutcome:
        """Minimise from ``start`` (and the extra starts); raise if no start converged.

        ``map_starts`` runs the starts elsewhere (for example on a cluster): it gets
        the unit-box start points and yields ``(index, StartOutcome)`` in any order,
        each outcome being what :meth:`minimise_from` returns for that point. Without
        it the starts run here, one after the other.
        """
        t0 = time.perf_counter()
        self.nfev = 0
        start_values = {name: float(start[name]) for name in self.space.names}
        chi2_start = self.chi2_at(self.space.to_unit(start_values))
        points = self.start_points(start_values)
        if map_starts is None:
            finished = ((i, self.minimise_from(u0)) for i, u0 in enumerate(points))
        else:
            finished = map_starts(points)
        by_index: dict[int, StartOutcome] = {}
        for index, outcome in finished:
            by_index[index] = outcome
            if map_starts is not None:
                self.nfev += outcome.nfev
            if on_start_done is not None:
                on_start_done(index, outcome)
        if sorted(by_index) != list(range(len(points))):
            raise OptimizationError(
                f"{len(by_index)} of {len(points)} starts returned a result; rerun the optimization"
            )
        outcomes = [by_index[i] for i in range(len(points))]
        converged = [o for o in outcomes if o.success]
        if not converged:
            reasons = "; ".join(sorted({o.message for o in outcomes}))
            raise OptimizationError(
                f"no start converged with {self.method} ({reasons}); "
                + retry_advice(self.method, self.max_iterations)
            )
        best = min(converged, key=lambda o: o.chi2)
        return OptimizerOutcome(
            names=list(self.space.names),
            start=start_values,
            best=best.final,
            chi2_start=chi2_start,
            chi2=best.chi2,
            converged=True,
            message=best.message,
            nfev=self.nfev,
            wall_s=time.perf_counter() - t0,
            method=self.method,
            options=self.scipy_options(),
            starts=outcomes,
            u_best=self.space.to_unit(best.final),
        )
