"""The optimized-parameter store: crash-safe per-model defaults, history and backups.

Pure standard library plus pydantic, portalocker and platformdirs (no numpy),
so commands that only read or list stored values start quickly.
"""

from __future__ import annotations

from cosmofit.store.schema import (
    SCHEMA_VERSION,
    ConsistencyReport,
    ConsistencyRow,
    ModelDocument,
    OptimizationRecord,
    ParameterEntry,
    new_run_id,
    seal,
    verify,
)
from cosmofit.store.store import STORE_ENV, OptimizedParameterStore, resolve_store_root

__all__ = [
    "SCHEMA_VERSION",
    "STORE_ENV",
    "ConsistencyReport",
    "ConsistencyRow",
    "ModelDocument",
    "OptimizationRecord",
    "OptimizedParameterStore",
    "ParameterEntry",
    "new_run_id",
    "resolve_store_root",
    "seal",
    "verify",
]
