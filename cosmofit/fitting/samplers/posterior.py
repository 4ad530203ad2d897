"""The log-posterior of sampled parameters, vectorised over points, with per-dataset chi^2.

Shared by every sampler backend: log posterior = log prior - chi^2 / 2, where
chi^2 comes from the objective's ``evaluate_batch`` (one call for all points
with a finite prior). Points outside the prior or without a cosmology get
-inf and chi^2 = +inf, never an exception and never NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from cosmofit.compute.objectives import ObjectiveSource, objective_for
from cosmofit.fitting.priors import PriorSet


class Posterior:
    """log posterior and chi^2 per dataset of points in the sampled parameters."""

    def __init__(self, source: ObjectiveSource, priors: PriorSet, fixed: Mapping[str, float]):
        self.objective = objective_for(source)
        self.priors = priors
        self.fixed = dict(fixed)
        self.datasets: list[str] | None = None

    def points(self, coords: np.ndarray) -> list[dict[str, float]]:
        names = self.priors.names
        return [{**self.fixed, **dict(zip(names, map(float, row), strict=True))} for row in coords]

    def evaluate(self, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log posterior, log prior, chi^2 per dataset as K x datasets) at the rows of coords."""
        coords = np.atleast_2d(np.asarray(coords, dtype=float))
        log_prior = self.priors.log_prior(coords)
        inside = np.flatnonzero(np.isfinite(log_prior))
        chi2 = None
        if inside.size:
            evaluations = _evaluate_batch(self.objective, self.points(coords[inside]))
            if self.datasets is None:
                self.datasets = list(evaluations[0].by_dataset)
            chi2 = np.full((coords.shape[0], len(self.datasets)), np.inf)
            for k, evaluation in zip(inside, evaluations, strict=True):
                if evaluation.physical:
                    chi2[k] = [evaluation.by_dataset[d] for d in self.datasets]
        if chi2 is None:
            chi2 = np.full((coords.shape[0], len(self.datasets or [None])), np.inf)
        total = chi2.sum(axis=1)
        log_post = np.where(np.isfinite(total), log_prior - 0.5 * total, -np.inf)
        log_post = np.where(np.isnan(log_post), -np.inf, log_post)
        return log_post, log_prior, chi2

    def derived(self, params: Mapping[str, float]) -> dict[str, float]:
        """Derived values at one point: omega_m h^2 and h r_d, plus the objective's own."""
        out: dict[str, float] = {}
        full = {**self.fixed, **params}
        if "H0" in full and "Om0" in full:
            h = full["H0"] / 100.0
            out["omegamh2"] = full["Om0"] * h * h
        derived = getattr(self.objective, "derived", None)
        if derived is not None:
            values = derived(full)
            out.update(values)
            if "r_drag" in values and "H0" in full:
                out["hrdrag"] = full["H0"] / 100.0 * values["r_drag"]
        return out


def _evaluate_batch(objective, points: Sequence[Mapping[str, float]]):
    batch = getattr(objective, "evaluate_batch", None)
    if batch is not None:
        return batch(points)
    return [objective.evaluate(p) for p in points]
