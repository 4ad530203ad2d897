"""``reports/optimization_summary.json``: the store's state in one versioned document.

Written after every stored optimization and by ``cosmofit report``; reports
render from it and never recompute, so what a reader sees is what was stored.
"""

from __future__ import annotations

import json
from pathlib import Path

SUMMARY_SCHEMA_VERSION = 1
SUMMARY_NAME = "optimization_summary.json"
RECENT_HISTORY = 10


def build_summary(store, models: tuple[str, ...] = ("lcdm", "pbuf")) -> dict:
    """Defaults, last optimization and recent history per model, and the cross-model check."""
    from cosmofit.provenance import utc_now

    per_model = {}
    for model in models:
        entries = store.get_model_defaults(model)
        history = store.get_optimization_history(model)
        runs = [r for r in history if r.kind == "optimization"]
        last = runs[-1] if runs else None
        per_model[model] = {
            "defaults": {name: entry.model_dump() for name, entry in entries.items()},
            "last_optimization": None
            if last is None
            else {
                "run_id": last.run_id,
                "timestamp": last.timestamp,
                "dataset_tag": last.dataset_tag,
                "datasets": last.datasets,
                "chi2": last.chi2,
                "chi2_start": last.chi2_start,
                "chi2_by_dataset": last.chi2_by_dataset,
                "improvement": last.chi2_start - last.chi2,
                "optimized": last.optimized,
                "fixed": last.fixed,
                "frozen": last.frozen,
                "start": {n: last.start[n] for n in last.optimized},
                "final": {n: last.final[n] for n in last.optimized},
                "errors": last.errors,
                "unconstrained": last.unconstrained,
                "bounds_hit": last.bounds_hit,
                "converged": last.converged,
                "method": last.method,
                "provenance": last.provenance,
            },
            "recent_history": [
                {
                    "run_id": r.run_id,
                    "kind": r.kind,
                    "timestamp": r.timestamp,
                    "dataset_tag": r.dataset_tag,
                    "chi2": r.chi2,
                }
                for r in history[-RECENT_HISTORY:]
            ],
        }
    consistency = store.validate_cross_model_consistency()
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "generated": utc_now(),
        "store": str(store.root),
        "models": per_model,
        "cross_model_consistency": consistency.model_dump(),
    }


def summary_path(store) -> Path:
    return Path(store.root) / "reports" / SUMMARY_NAME


def write_summary(store) -> Path:
    """Rebuild the summary and write it atomically into the store's reports/ folder."""
    from cosmofit.store.atomic import atomic_write_text

    path = summary_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(build_summary(store), indent=2, sort_keys=True) + "\n")
    return path
