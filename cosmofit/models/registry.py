"""The model registry: name -> :class:`Model` (parameters and E(z)^2).

Models register explicitly with :func:`register_model`; a duplicate name is a
programming error and raises ``KeyError``. Lookups of unknown names raise a
:class:`~cosmofit.errors.UsageError` that lists the alternatives.
"""

from __future__ import annotations

import difflib
import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cosmofit.errors import ParameterError, UsageError
from cosmofit.models.params import ParamSpec

#: ``E2(z, p, omega_r) -> E(z)^2`` with ``z`` an array, ``p`` the full parameter
#: mapping and ``Or`` the massless radiation density today (Omega_r, not omega_r).
#: It must broadcast: for a batch of points every value of ``p`` (and ``Or``) is a
#: (P, 1) column and the result is (P, len(z)), so use numpy operations, not
#: ``math`` functions or ``if`` on parameter values.
E2Function = Callable[[Any, Mapping[str, float], float], Any]
#: ``unphysical(p) -> reason or None``: a model's own validity condition beyond E^2 > 0.
ValidityFunction = Callable[[Mapping[str, float]], str | None]

MODELS: dict[str, Model] = {}

#: Modules that define the built-in models; imported on first lookup so that
#: ``cosmofit --help`` does not pay for them.
_BUILTIN_MODULES = (
    "cosmofit.models.lcdm",
    "cosmofit.models.pbuf",
    "cosmofit.models.wcdm",
    "cosmofit.models.w0wa",
)


@dataclass(frozen=True)
class Model:
    """A background cosmology: its parameters, its expansion rate and when it is unphysical."""

    name: str
    description: str
    params: tuple[ParamSpec, ...]
    e2: E2Function = field(repr=False)
    unphysical: ValidityFunction | None = field(default=None, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    @property
    def optimizable(self) -> tuple[str, ...]:
        """Parameters the optimizer moves when the user does not choose (the default set)."""
        return tuple(p.name for p in self.params if p.optimizable)

    def why_unphysical(self, params: Mapping[str, float]) -> str | None:
        """The model's own reason this point is unphysical (None if it has none)."""
        return None if self.unphysical is None else self.unphysical(params)

    def backfilled(self, values: Mapping[str, float]) -> dict[str, float]:
        """``values`` with the defaults of parameters added since they were written.

        Only parameters marked ``backfill`` (whose default reproduces the model as
        it was before they existed) are filled; anything else missing stays missing.
        """
        out = dict(values)
        for p in self.params:
            if p.backfill and p.name not in out:
                out[p.name] = p.default
        return out

    def spec(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(
            f"{name} is not a parameter of {self.name}; parameters: {', '.join(self.param_names)}"
        )

    def check_names(self, names: Any) -> None:
        """Raise :class:`ParameterError` for the first name the model does not have."""
        known = set(self.param_names)
        by_lower = {p.lower(): p for p in self.param_names}
        for name in names:
            if name not in known:
                if name.lower() in by_lower:  # h0 -> H0: a case slip, not a different name
                    hint = [by_lower[name.lower()]]
                else:
                    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
                    hint = [by_lower[c] for c in close]
                did_you_mean = f" (did you mean {hint[0]}?)" if hint else ""
                raise ParameterError(
                    f"{name} is not a parameter of {self.name}{did_you_mean}; "
                    f"parameters: {', '.join(self.param_names)}"
                )

    def complete(
        self,
        values: Mapping[str, float] | None = None,
        *,
        check_bounds: bool = True,
        base: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        """Full parameter dict: ``base`` (or the built-in defaults) updated with ``values``.

        Unknown names always raise; values outside the hard bounds raise when
        ``check_bounds`` is true.
        """
        values = dict(values or {})
        self.check_names(values)
        full = dict(base) if base is not None else self.defaults
        for name, raw in values.items():
            try:
                full[name] = float(raw)
            except (TypeError, ValueError):
                raise ParameterError(f"{name}={raw!r} is not a number") from None
        if check_bounds:
            for p in self.params:
                value = full[p.name]
                if not math.isfinite(value):
                    raise ParameterError(f"{p.name}={value} is not a finite number")
                if not p.contains(value):
                    raise ParameterError(
                        f"{p.name}={value:g} is outside its bounds {p.describe_bounds()} "
                        f"for {self.name}; choose a value inside them"
                    )
        return full


def register_model(model: Model) -> Model:
    """Add ``model`` to :data:`MODELS`; a second model of the same name is refused."""
    if model.name in MODELS:
        raise KeyError(f"model {model.name!r} is already registered")
    names = [p.name for p in model.params]
    if len(set(names)) != len(names):
        raise KeyError(f"model {model.name!r} declares a parameter twice")
    MODELS[model.name] = model
    return model


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def available_models() -> tuple[str, ...]:
    """Names of every registered model (built-in ones are loaded on first call)."""
    _load_builtins()
    return tuple(MODELS)


def get_model(name: str) -> Model:
    """The registered model called ``name``, or a UsageError with a did-you-mean."""
    _load_builtins()
    key = name.strip().lower()
    if key in MODELS:
        return MODELS[key]
    hint = difflib.get_close_matches(key, list(MODELS), n=1)
    did_you_mean = f"did you mean {hint[0]}? " if hint else ""
    raise UsageError(f"unknown model {name!r}; {did_you_mean}models: {', '.join(MODELS)}")
