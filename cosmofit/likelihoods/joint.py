"""The joint likelihood: one background per parameter point, summed over datasets.

Datasets are independent, so the joint chi^2 is the sum of their chi^2. The
background (the expensive part) is built once per point and shared. An
unphysical or out-of-bounds point gives chi^2 = +inf and a reason, never an
exception, so an optimizer can step back from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cosmofit.errors import DataError, PhysicsError
from cosmofit.likelihoods.base import Likelihood, likelihood_class
from cosmofit.models.registry import Model, get_model
from cosmofit.physics.background import Background


@dataclass
class Evaluation:
    """chi^2 at one point: total, per dataset, and why it is infinite if it is."""

    total: float
    by_dataset: dict[str, float] = field(default_factory=dict)
    reason: str | None = None

    @property
    def physical(self) -> bool:
        return self.reason is None


class JointLikelihood:
    """Sum of the chi^2 of several datasets for one model."""

    def __init__(
        self,
        model: Model,
        components: Sequence[Likelihood],
        *,
        cov_scale: float = 1.0,
        dataset_sha256: Mapping[str, str] | None = None,
    ):
        self.model = model
        self.components = list(components)
        self.cov_scale = cov_scale
        self.dataset_sha256 = dict(dataset_sha256 or {})

    @property
    def datasets(self) -> list[str]:
        return [c.name for c in self.components]

    @property
    def conventions(self) -> dict[str, str]:
        """Each dataset's observable convention, where it has one (stored in provenance)."""
        return {c.name: c.convention for c in self.components if c.convention is not None}

    @property
    def n_data(self) -> int:
        return sum(c.n_data for c in self.components)

    @property
    def n_data_by_dataset(self) -> dict[str, int]:
        return {c.name: c.n_data for c in self.components}

    def _out_of_bounds(self, full: Mapping[str, float]) -> str | None:
        for spec in self.model.params:
            value = full[spec.name]
            if not spec.contains(value):
                return f"{spec.name}={value:g} is outside its bounds {spec.describe_bounds()}"
        return None

    def background(self, params: Mapping[str, float]) -> tuple[Background | None, str | None]:
        """The background at ``params`` (defaults fill the rest) or the reason there is none.

        Unknown parameter names raise :class:`~cosmofit.errors.ParameterError`:
        that is a mistake in the request, not a property of the point.
        """
        full = self.model.complete(params, check_bounds=False)
        reason = self._out_of_bounds(full)
        if reason is not None:
            return None, reason
        try:
            return Background(self.model, full), None
        except PhysicsError as error:
            return None, str(error)

    def evaluate(self, params: Mapping[str, float]) -> Evaluation:
        bg, reason = self.background(params)
        if bg is None:
            return Evaluation(math.inf, {c.name: math.inf for c in self.components}, reason)
        by_dataset = {c.name: c.chi2(bg) for c in self.components}
        total = math.fsum(by_dataset.values())
        if not math.isfinite(total):
            bad = next(name for name, v in by_dataset.items() if not math.isfinite(v))
            return Evaluation(math.inf, by_dataset, f"chi2 of {bad} is not finite at this point")
        return Evaluation(total, by_dataset)

    def chi2(self, params: Mapping[str, float]) -> float:
        """Total chi^2 (+inf for an unphysical point; see :meth:`evaluate` for why)."""
        return self.evaluate(params).total

    def evaluate_batch(self, points: Sequence[Mapping[str, float]]) -> list[Evaluation]:
        """:meth:`evaluate` at K points, with each dataset's covariance work done once.

        Each point still gets its own background (one distance grid per point); the
        datasets then stack the K residual vectors and whiten them with one block solve.
        """
        built = [self.background(params) for params in points]
        backgrounds = [bg for bg, _ in built]
        columns = {c.name: c.chi2_batch(backgrounds) for c in self.components}
        out = []
        for k, (bg, reason) in enumerate(built):
            by_dataset = {name: float(values[k]) for name, values in columns.items()}
            if bg is None:
                out.append(Evaluation(math.inf, by_dataset, reason))
                continue
            total = math.fsum(by_dataset.values())
            if not math.isfinite(total):
                bad = next(name for name, v in by_dataset.items() if not math.isfinite(v))
                out.append(
                    Evaluation(math.inf, by_dataset, f"chi2 of {bad} is not finite at this point")
                )
                continue
            out.append(Evaluation(total, by_dataset))
        return out

    def chi2_batch(self, points: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Total chi^2 at K points in one call (+inf where a point is unphysical)."""
        return np.array([e.total for e in self.evaluate_batch(points)])

    def chi2_by_dataset(self, params: Mapping[str, float]) -> dict[str, float]:
        return self.evaluate(params).by_dataset

    def derived(self, params: Mapping[str, float]) -> dict[str, float]:
        """Early-universe scales, CMB observables and per-dataset nuisance best fits."""
        bg, reason = self.background(params)
        if bg is None:
            raise PhysicsError(reason or "unphysical point")
        out = {
            "z_star": bg.z_star,
            "rs_star": bg.rs_star,
            "z_drag": bg.z_drag,
            "r_drag": bg.r_drag,
            "DM_star": bg.DM_star,
            "Omega_r": bg.Or,
        }
        for component in self.components:
            out.update(component.derived(bg))
        return out


def load_likelihood(
    datasets: str | Sequence[str],
    model: str | Model = "lcdm",
    *,
    cov_scale: float = 1.0,
    verify: bool = True,
) -> JointLikelihood:
    """Joint likelihood of ``datasets`` ("cmb,bao,sn", "joint", or a list of names) for ``model``.

    Every dataset is checked on load (sha256, shapes, finite values, positive
    definite covariance) and its covariance is factored once.
    """
    from cosmofit.data.loader import load_dataset
    from cosmofit.data.registry import resolve_datasets

    model_obj = get_model(model) if isinstance(model, str) else model
    components = []
    hashes = {}
    for spec in resolve_datasets(datasets):
        loaded = load_dataset(spec, verify=verify)
        cls = likelihood_class(spec.kind)
        options = spec.likelihood_options
        unknown = sorted(set(options) - set(cls.options))
        if unknown:
            allowed = ", ".join(cls.options) or "none"
            raise DataError(
                f"{spec.name}: unknown likelihood option {unknown[0]!r} for a {spec.kind} "
                f"dataset (allowed: {allowed}); fix the dataset's spec"
            )
        components.append(cls(spec.name, loaded.data, cov_scale=cov_scale, **options))
        hashes[spec.name] = spec.sha256
    return JointLikelihood(model_obj, components, cov_scale=cov_scale, dataset_sha256=hashes)
