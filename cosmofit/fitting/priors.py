"""Priors of a sampling run: flat within a range, or Gaussian, per sampled parameter.

Every sampled parameter gets a flat prior over its hard bounds unless the
configuration (``[priors.<model>]``) or ``--prior`` narrows it. A Gaussian
prior is truncated to the hard bounds (a sample outside them has no
cosmology) and normalised over them, so the log-prior is a proper log-density
and nested sampling's evidence is comparable between models with the same
priors. ``--prior P=LO:HI`` and ``--prior P~MEAN,SIGMA`` on the command line
replace the configured prior of P.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosmofit.errors import UsageError
from cosmofit.models.registry import Model


@dataclass(frozen=True)
class Prior:
    """Flat on ``[low, high]``, or a Gaussian (``mean``, ``sigma``) truncated to it."""

    name: str
    low: float
    high: float
    mean: float | None = None
    sigma: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise UsageError(f"prior of {self.name}: the range [{self.low}, {self.high}] is empty")
        if self.gaussian and not (
            math.isfinite(self.mean) and math.isfinite(self.sigma) and self.sigma > 0
        ):
            raise UsageError(f"prior of {self.name}: sigma must be a positive finite number")

    @property
    def gaussian(self) -> bool:
        return self.mean is not None

    @property
    def _log_norm(self) -> float:
        """log of the normalisation over [low, high]."""
        if not self.gaussian:
            return -math.log(self.high - self.low)
        from scipy.stats import norm

        mass = norm.cdf(self.high, self.mean, self.sigma) - norm.cdf(
            self.low, self.mean, self.sigma
        )
        if mass <= 0:
            raise UsageError(
                f"prior of {self.name}: the Gaussian {self.mean:g} +- {self.sigma:g} has no "
                f"mass inside [{self.low:g}, {self.high:g}]"
            )
        return -math.log(self.sigma * math.sqrt(2 * math.pi) * mass)

    def log_prior(self, x: np.ndarray) -> np.ndarray:
        """Log-density at the values ``x`` (-inf outside the range)."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        value = np.full(x.shape, self._log_norm)
        if self.gaussian:
            value = value - 0.5 * ((x - self.mean) / self.sigma) ** 2
        return np.where(inside, value, -np.inf)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map the unit interval onto the prior (nested sampling's prior transform)."""
        u = np.asarray(u, dtype=float)
        if not self.gaussian:
            return self.low + u * (self.high - self.low)
        from scipy.stats import truncnorm

        a, b = (self.low - self.mean) / self.sigma, (self.high - self.mean) / self.sigma
        return truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sigma)

    def describe(self) -> str:
        if self.gaussian:
            return f"N({self.mean:g}, {self.sigma:g}) in [{self.low:g}, {self.high:g}]"
        return f"U[{self.low:g}, {self.high:g}]"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.gaussian:
            out.update(mean=self.mean, sigma=self.sigma)
        return out


@dataclass(frozen=True)
class PriorSet:
    """The priors of the sampled parameters, in sampling order."""

    priors: tuple[Prior, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    def log_prior(self, points: np.ndarray) -> np.ndarray:
        """Summed log-prior of each row of ``points`` (shape K x d)."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        total = np.zeros(points.shape[0])
        for j, prior in enumerate(self.priors):
            total = total + prior.log_prior(points[:, j])
        return total

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(np.asarray(u, dtype=float))
        return np.column_stack([p.from_unit(u[:, j]) for j, p in enumerate(self.priors)])

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {p.name: p.as_dict() for p in self.priors}


def parse_prior(text: str) -> tuple[str, dict[str, float]]:
    """``P=LO:HI`` -> flat, ``P~MEAN,SIGMA`` -> Gaussian; returns ``(name, fields)``."""
    if "~" in text:
        name, _, rest = text.partition("~")
        parts = rest.split(",")
        keys = ("mean", "sigma")
        example = "--prior Obh2~0.02218,0.00055"
    else:
        name, _, rest = text.partition("=")
        parts = rest.split(":")
        keys = ("low", "high")
        example = "--prior H0=60:80"
    name = name.strip()
    try:
        if not name or len(parts) != 2:
            raise ValueError
        values = [float(p) for p in parts]
    except ValueError:
        raise UsageError(
            f"--prior {text!r} is neither P=LO:HI nor P~MEAN,SIGMA; e.g. {example}"
        ) from None
    return name, dict(zip(keys, values, strict=True))


def config_prior(name: str, value: Any, where: str) -> dict[str, float]:
    """A TOML prior: ``[LO, HI]`` or ``{mean = M, sigma = S}`` (optionally with low/high)."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return {"low": float(value[0]), "high": float(value[1])}
    if isinstance(value, Mapping) and {"mean", "sigma"} <= set(value) <= {
        "mean",
        "sigma",
        "low",
        "high",
    }:
        return {k: float(v) for k, v in value.items()}
    raise UsageError(f"prior {where}.{name} = {value!r}: use [LO, HI] or {{mean = M, sigma = S}}")


def build_priors(
    model: Model,
    names: Iterable[str],
    configured: Mapping[str, Mapping[str, float]] | None = None,
    cli: Iterable[str] = (),
) -> PriorSet:
    """The prior of every sampled parameter: hard bounds < configuration < ``--prior``."""
    names = list(names)
    requested: dict[str, dict[str, float]] = {k: dict(v) for k, v in (configured or {}).items()}
    for text in cli:
        name, fields = parse_prior(text)
        requested[name] = fields
    model.check_names(requested)
    extra = [n for n in requested if n not in names]
    if extra:
        raise UsageError(
            f"a prior is given for {extra[0]}, which is not sampled; add it to --params or "
            "drop its prior"
        )
    priors = []
    for name in names:
        spec = model.spec(name)
        fields = requested.get(name, {})
        low = fields.get("low", spec.bounds[0])
        high = fields.get("high", spec.bounds[1])
        if not (spec.contains(low) and spec.contains(high)):
            raise UsageError(
                f"prior range of {name} [{low:g}, {high:g}] leaves its hard bounds "
                f"{spec.describe_bounds()}; narrow it"
            )
        priors.append(Prior(name, low, high, fields.get("mean"), fields.get("sigma")))
    return PriorSet(tuple(priors))
