"""The likelihood interface and the registry of likelihood kinds.

A likelihood maps one :class:`~cosmofit.physics.background.Background` onto
its data; it never builds a cosmology itself, so one background serves every
dataset of a joint fit. Adding a kind is one module that subclasses
:class:`Likelihood` and registers it with :func:`register_likelihood`.
"""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cosmofit.physics.background import Background

LIKELIHOOD_KINDS: dict[str, type[Likelihood]] = {}

_BUILTIN_MODULES = (
    "cosmofit.likelihoods.cmb",
    "cosmofit.likelihoods.bao",
    "cosmofit.likelihoods.sn",
)


def register_likelihood(kind: str) -> Callable[[type[Likelihood]], type[Likelihood]]:
    """Class decorator: the likelihood used for datasets of ``kind``."""

    def decorate(cls: type[Likelihood]) -> type[Likelihood]:
        if kind in LIKELIHOOD_KINDS:
            raise KeyError(f"likelihood kind {kind!r} is already registered")
        LIKELIHOOD_KINDS[kind] = cls
        cls.kind = kind
        return cls

    return decorate


class Likelihood(ABC):
    """chi^2 of one dataset given a background."""

    kind: str = ""
    #: Names the keyword options a dataset spec may pass to this kind (see DatasetSpec.options).
    options: tuple[str, ...] = ()
    #: How this likelihood turns a model into its observables, when that is a choice the
    #: data's authors made (stored with every fit, so results made under another convention
    #: can be recognised); None when the observables are unambiguous.
    convention: str | None = None

    def __init__(self, name: str, data: Any, *, cov_scale: float = 1.0):
        self.name = name
        self.data = data
        self.cov_scale = cov_scale

    @property
    @abstractmethod
    def n_data(self) -> int: ...

    @abstractmethod
    def chi2(self, bg: Background) -> float: ...

    def chi2_batch(self, backgrounds: Sequence[Background | None]) -> np.ndarray:
        """chi^2 at several points (+inf where a point has no background).

        This default calls :meth:`chi2` point by point; the Gaussian kinds override
        it to whiten all residuals with one block solve.
        """
        return np.array([math.inf if bg is None else self.chi2(bg) for bg in backgrounds])

    def derived(self, bg: Background) -> dict[str, float]:
        """Quantities worth reporting at this point (nuisance best fits, theory values)."""
        return {}


def likelihood_class(kind: str) -> type[Likelihood]:
    """The likelihood registered for a dataset kind (built-in kinds load on first use)."""
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    try:
        return LIKELIHOOD_KINDS[kind]
    except KeyError:
        known = ", ".join(LIKELIHOOD_KINDS)
        raise KeyError(f"no likelihood for dataset kind {kind!r}; known kinds: {known}") from None
