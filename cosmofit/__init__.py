"""cosmofit: fit flat LCDM and PBUF background cosmologies to CMB, BAO and supernova data.

The public Python API is loaded on first use so that ``import cosmofit`` (and
``cosmofit --help``) stays instant:

* :func:`background` - distances and scales at one parameter point;
* :func:`load_likelihood` - joint Gaussian likelihood of named datasets;
* :class:`ParameterOptimizer` - bounded chi^2 minimisation with errors;
* :class:`OptimizedParameterStore` - the safe store of optimized parameters;
* :func:`stored_defaults` - the store's current defaults, to pass explicitly (the
  API otherwise fills missing parameters with the built-in defaults).
"""

from __future__ import annotations

from typing import Any

from cosmofit._version import __version__

_LAZY = {
    "background": ("cosmofit.physics.background", "background"),
    "Background": ("cosmofit.physics.background", "Background"),
    "load_likelihood": ("cosmofit.likelihoods.joint", "load_likelihood"),
    "get_model": ("cosmofit.models.registry", "get_model"),
    "available_models": ("cosmofit.models.registry", "available_models"),
    "load_dataset": ("cosmofit.data.loader", "load_dataset"),
    "ParameterOptimizer": ("cosmofit.fitting.optimizer", "ParameterOptimizer"),
    "estimate_errors": ("cosmofit.fitting.hessian", "estimate_errors"),
    "OptimizedParameterStore": ("cosmofit.store.store", "OptimizedParameterStore"),
    "stored_defaults": ("cosmofit.store.defaults", "stored_defaults"),
    "run_optimization": ("cosmofit.fitting.run", "run_optimization"),
    "OptimizeSettings": ("cosmofit.settings", "OptimizeSettings"),
    "FitSettings": ("cosmofit.settings", "FitSettings"),
    "evaluate_fit": ("cosmofit.fitting.evaluate", "evaluate_fit"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cosmofit' has no attribute {name!r}")
