"""Do two models fitted to the same data agree? Shared parameters in units of the combined 1σ.

Only fits to the same dataset tag and covariance scale are compared: models
fitted to different data are expected to differ, and a relative difference
says nothing without the errors. For each tag, the latest optimization of
every model that used it is taken; each parameter both optimized gets its
difference over sqrt(sigma_a^2 + sigma_b^2). A row with a missing error (an
unconstrained parameter) has no sigma, and a warning is only raised when the
user asked for a tolerance (``[consistency] tolerance``, in sigma).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def latest_by_tag(records: Iterable) -> dict[tuple[str, float], Any]:
    """The newest optimization record per (dataset tag, covariance scale)."""
    latest: dict[tuple[str, float], Any] = {}
    for record in records:
        if record.kind == "optimization" and record.chi2 is not None:
            latest[(record.dataset_tag, record.cov_scale)] = record
    return latest


def _row(param: str, a, b) -> dict[str, Any]:
    sigma_a, sigma_b = a.errors.get(param), b.errors.get(param)
    difference = b.final[param] - a.final[param]
    usable = [s for s in (sigma_a, sigma_b) if s is not None and math.isfinite(s) and s > 0]
    combined = math.sqrt(sum(s * s for s in usable)) if len(usable) == 2 else None
    conditional = sorted(set(a.bounds_hit) | set(b.bounds_hit))
    return {
        "param": param,
        "value_a": a.final[param],
        "sigma_a": sigma_a,
        "value_b": b.final[param],
        "sigma_b": sigma_b,
        "difference": difference,
        "combined_sigma": combined,
        "shift_sigma": difference / combined if combined else None,
        "note": (
            "no 1-sigma (unconstrained)"
            if combined is None
            else (f"conditional on {', '.join(conditional)} at a bound" if conditional else "")
        ),
    }


def same_data_comparison(
    histories: Mapping[str, list], tolerance: float | None = None
) -> dict[str, Any]:
    """Tables of shared-parameter differences between models fitted to the same data.

    ``histories`` maps model name to its history records. Returns ``tables``
    (one per dataset tag with at least two models) and ``warnings`` (only
    when ``tolerance`` is given: rows beyond that many combined sigma).
    """
    per_model = {model: latest_by_tag(records) for model, records in histories.items()}
    keys = sorted({key for latest in per_model.values() for key in latest})
    tables, warnings = [], []
    for key in keys:
        fitted = [(m, latest[key]) for m, latest in per_model.items() if key in latest]
        for i, (model_a, a) in enumerate(fitted):
            for model_b, b in fitted[i + 1 :]:
                shared = [p for p in a.optimized if p in b.optimized]
                rows = [_row(p, a, b) for p in shared]
                tables.append(
                    {
                        "dataset_tag": key[0],
                        "cov_scale": key[1],
                        "model_a": model_a,
                        "run_a": a.run_id,
                        "model_b": model_b,
                        "run_b": b.run_id,
                        "rows": rows,
                    }
                )
                if tolerance is None:
                    continue
                for row in rows:
                    shift = row["shift_sigma"]
                    if shift is not None and abs(shift) > tolerance:
                        warnings.append(
                            f"{row['param']} on {key[0]}: {model_b} differs from {model_a} by "
                            f"{shift:+.2f} sigma (tolerance {tolerance:g} sigma)"
                        )
    return {"tolerance": tolerance, "tables": tables, "warnings": warnings}


def store_comparison(store, models: Iterable[str], tolerance: float | None = None) -> dict:
    """:func:`same_data_comparison` of the models' histories in ``store``."""
    return same_data_comparison(
        {model: store.get_optimization_history(model) for model in models}, tolerance
    )
