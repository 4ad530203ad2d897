"""Which parameters an optimization moves: optimized, fixed or frozen.

* optimized - moved by the optimizer (default: the model's optimizable set);
* frozen    - explicitly locked for this run: never optimized, even if listed
              (listing a parameter as both is an error, not a silent choice);
* fixed     - everything else, held at its start value.

All of this is checked before any data is loaded or any work is done.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from cosmofit.errors import UsageError
from cosmofit.models.registry import Model


class Classification(BaseModel):
    optimized: list[str]
    fixed: list[str]
    frozen: list[str]

    def role(self, name: str) -> str:
        if name in self.optimized:
            return "optimized"
        return "frozen" if name in self.frozen else "fixed"


def classify(
    model: Model, optimize: Iterable[str] | None, freeze: Iterable[str] = ()
) -> Classification:
    """Split the model's parameters; raise a UsageError naming the first bad request."""
    frozen = list(dict.fromkeys(freeze))
    model.check_names(frozen)
    if optimize is None:
        requested = [name for name in model.optimizable if name not in frozen]
    else:
        requested = list(dict.fromkeys(optimize))
        model.check_names(requested)
        both = [name for name in requested if name in frozen]
        if both:
            raise UsageError(
                f"{both[0]} is both optimized and frozen; remove it from the optimized list "
                "or from --freeze"
            )
    for name in requested:
        if model.spec(name).fixed_only:
            raise UsageError(
                f"{name} cannot be optimized in {model.name} (it is fixed by construction); "
                f"set it with --set {name}=VALUE instead"
            )
    if not requested:
        raise UsageError(f"nothing to optimize for {model.name}: every candidate is frozen")
    fixed = [name for name in model.param_names if name not in requested and name not in frozen]
    ordered = [name for name in model.param_names if name in requested]
    return Classification(optimized=ordered, fixed=fixed, frozen=frozen)
