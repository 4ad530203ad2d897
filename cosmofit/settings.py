"""Settings models shared by the commands.

A command turns its flags into one of these validated models and hands it to
a service function; nothing below the command layer reads flags directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cosmofit.errors import UsageError
from cosmofit.limits import (
    MAX_ITERATIONS,
    MAX_SEED,
    MAX_STARTS,
    MAX_WARM_START_AGE_HOURS,
    MAX_WORKERS,
)


def parse_assignments(items: Iterable[str] | None, *, option: str = "--set") -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings into floats; a malformed item is a UsageError."""
    values: dict[str, float] = {}
    for item in items or ():
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"{option} {item!r} is not NAME=VALUE; e.g. {option} H0=70")
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"{option} {item!r}: {raw.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"{option} {item!r}: the value must be a finite number")
        values[name] = value
    return values


def split_names(text: str | Iterable[str] | None) -> list[str]:
    """``"a, b,c"`` or ``["a", "b,c"]`` -> ``["a", "b", "c"]`` (blank items dropped)."""
    if text is None:
        return []
    parts = [text] if isinstance(text, str) else list(text)
    return [name.strip() for part in parts for name in part.split(",") if name.strip()]


#: A covariance scale: a positive, finite number.
CovScale = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class FitSettings(BaseModel):
    """What ``cosmofit fit`` evaluates: a model, datasets and parameter overrides."""

    model_config = ConfigDict(extra="forbid")

    model: str = "lcdm"
    datasets: list[str] = Field(default_factory=lambda: ["cmb", "bao", "sn"])
    overrides: dict[str, float] = Field(default_factory=dict)
    cov_scale: CovScale = 1.0
    exact: bool = False  # dense supernova chi^2 (the reference form) instead of the compressed one
    use_store: bool = True
    store: str | None = None
    optimize: list[str] | None = None  # fit these for this run only
    freeze: list[str] = Field(default_factory=list)
    save: bool = False  # with optimize: store the result like `cosmofit optimize`


class OptimizeSettings(BaseModel):
    """What ``cosmofit optimize`` does: which parameters move, from where, and how."""

    model_config = ConfigDict(extra="forbid")

    model: str = "lcdm"
    datasets: list[str] = Field(default_factory=lambda: ["cmb"])
    optimize: list[str] | None = None  # None: the model's default optimizable set
    freeze: list[str] = Field(default_factory=list)
    overrides: dict[str, float] = Field(default_factory=dict)
    use_store: bool = True
    warm_start: bool = False
    warm_start_max_age_hours: float = Field(
        default=24.0, gt=0, le=MAX_WARM_START_AGE_HOURS, allow_inf_nan=False
    )
    dry_run: bool = False
    save: bool = True
    cov_scale: CovScale = 1.0
    exact: bool = False  # dense supernova chi^2 (the reference form) instead of the compressed one
    method: str = "L-BFGS-B"
    starts: int = Field(default=1, ge=1, le=MAX_STARTS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    tolerance: float = Field(default=1e-10, gt=0)
    max_iterations: int = Field(default=5000, ge=1, le=MAX_ITERATIONS)
    store: str | None = None
    scheduler: str = "auto"  # where the starts run: auto, none, local or a Dask address
    workers: int | None = Field(default=None, ge=1, le=MAX_WORKERS)
    worker_timeout: float = Field(default=300.0, gt=0, allow_inf_nan=False)

    def for_record(self) -> dict:
        """The settings that define the computation (not where results go)."""
        # ``exact`` is left out: both forms give the same chi^2 to 1e-6.
        return self.model_dump(
            exclude={"store", "dry_run", "save", "scheduler", "workers", "worker_timeout", "exact"}
        )


def make_settings(cls: type[BaseModel], **values):
    """Build a settings model, turning validation failures into one-line UsageErrors."""
    from pydantic import ValidationError

    try:
        return cls(**values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).replace("_", "-") or "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise UsageError(f"invalid {where}: {message}") from None
