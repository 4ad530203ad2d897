"""What a task minimises, and the small recipes ("sources") that rebuild it in any process.

A task travels to a worker with a *source*: a frozen, hashable description of
its objective (datasets, model, covariance scale) rather than the objective
itself, whose factored 1590x1590 supernova covariance would otherwise be
pickled with every task. Each process builds the objective of a source once and
keeps the few most recent ones (:func:`objective_for`).

Anything with ``specs()``, ``build()`` and a ``label`` is a source, so the
profile and jackknife services work for any objective: :class:`GaussianSource`
(a correlated Gaussian with known covariance, whose profiles are known exactly)
validates the whole machinery without any cosmology.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from cosmofit.errors import UsageError
from cosmofit.models.params import ParamSpec

if TYPE_CHECKING:
    from cosmofit.likelihoods.joint import Evaluation

#: Objectives kept per process; a jackknife by point needs one per left-out point.
KEEP_BUILT = 4


class Objective(Protocol):
    """A chi^2 over named parameters (``JointLikelihood`` is one)."""

    def chi2(self, params: Mapping[str, float]) -> float: ...

    def evaluate(self, params: Mapping[str, float]) -> Evaluation: ...

    def chi2_batch(self, points: Sequence[Mapping[str, float]]) -> np.ndarray: ...


@runtime_checkable
class ObjectiveSource(Protocol):
    """A picklable, hashable recipe for an :class:`Objective`."""

    @property
    def label(self) -> str: ...

    def specs(self) -> tuple[ParamSpec, ...]: ...

    def build(self) -> Objective: ...


@dataclass(frozen=True)
class CosmologySource:
    """The joint likelihood of named datasets for a registered model."""

    datasets: tuple[str, ...]
    model: str
    cov_scale: float = 1.0
    exact: bool = False  # dense supernova chi^2 (the reference form)

    @property
    def label(self) -> str:
        return f"{self.model} on {'+'.join(self.datasets)}"

    def specs(self) -> tuple[ParamSpec, ...]:
        from cosmofit.models.registry import get_model

        return get_model(self.model).params

    def build(self) -> Objective:
        from cosmofit.likelihoods.joint import load_likelihood

        return load_likelihood(
            list(self.datasets), self.model, cov_scale=self.cov_scale, exact=self.exact
        )


@dataclass(frozen=True)
class GaussianSource:
    """chi^2 = (p - mean)^T C^-1 (p - mean) over named parameters with box bounds."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    bounds: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        n = len(self.names)
        if len(self.mean) != n or len(self.bounds) != n or np.shape(self.cov) != (n, n):
            raise UsageError("a Gaussian objective needs one mean, bound pair and cov row per name")
        if not np.all(np.linalg.eigvalsh(np.asarray(self.cov)) > 0):
            raise UsageError("the covariance of a Gaussian objective must be positive definite")

    @property
    def label(self) -> str:
        return f"gaussian({', '.join(self.names)})"

    def specs(self) -> tuple[ParamSpec, ...]:
        return tuple(
            ParamSpec(name, min(max(mu, low), high), (low, high))
            for name, mu, (low, high) in zip(self.names, self.mean, self.bounds, strict=True)
        )

    def build(self) -> Objective:
        return GaussianObjective(self)


class GaussianObjective:
    """The objective of a :class:`GaussianSource`; its one "dataset" is called ``gaussian``."""

    def __init__(self, source: GaussianSource):
        self.names = source.names
        self.mean = np.asarray(source.mean, dtype=float)
        self.inverse = np.linalg.inv(np.asarray(source.cov, dtype=float))

    def chi2_batch(self, points: Sequence[Mapping[str, float]]) -> np.ndarray:
        d = np.array([[p[name] for name in self.names] for p in points], dtype=float) - self.mean
        return np.einsum("ki,ij,kj->k", d, self.inverse, d)

    def chi2(self, params: Mapping[str, float]) -> float:
        return float(self.chi2_batch([params])[0])

    def evaluate(self, params: Mapping[str, float]) -> Evaluation:
        from cosmofit.likelihoods.joint import Evaluation

        total = self.chi2(params)
        return Evaluation(total, {"gaussian": total})


_built: OrderedDict[Hashable, Objective] = OrderedDict()


def objective_for(source: ObjectiveSource) -> Objective:
    """The objective of ``source``, built at most once per process while it stays recent."""
    if source in _built:
        _built.move_to_end(source)
        return _built[source]
    objective = source.build()
    _built[source] = objective
    while len(_built) > KEEP_BUILT:
        _built.popitem(last=False)
    return objective
