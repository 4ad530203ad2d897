"""The store's current defaults as plain numbers, for Python users.

The Python API fills missing parameters with the model's *built-in*
defaults, so that a script gives the same result on every machine; the CLI
uses the *stored* ones (the latest optimizations). This function is the
explicit bridge: ``background("lcdm", **stored_defaults("lcdm"))`` evaluates
at exactly the point ``cosmofit fit`` would use.
"""

from __future__ import annotations

from pathlib import Path


def stored_defaults(model: str = "lcdm", store: str | Path | None = None) -> dict[str, float]:
    """Every parameter of ``model``: the stored value where there is one, else the built-in.

    ``store`` defaults to ``$COSMOFIT_STORE`` or the user data directory; the
    store is only read.
    """
    from cosmofit.models.registry import get_model
    from cosmofit.store.store import OptimizedParameterStore

    spec = get_model(model)
    entries = OptimizedParameterStore(store, read_only=True).get_model_defaults(spec.name)
    return {name: entries[name].value for name in spec.param_names}
