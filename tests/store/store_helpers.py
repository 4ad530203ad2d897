"""Shared helpers for the store tests: building records and snapshotting a directory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from cosmofit.models.registry import get_model
from cosmofit.store.schema import OptimizationRecord, format_timestamp, utc_now


def make_record(
    run_id: str,
    *,
    model: str = "lcdm",
    values: Mapping[str, float] | None = None,
    optimized: Iterable[str] = ("H0", "Om0"),
    dataset_tag: str = "cmb",
    when: datetime | None = None,
    converged: bool = True,
    method: str = "L-BFGS-B",
) -> OptimizationRecord:
    """A plausible optimization record whose ``final`` holds every model parameter."""
    spec = get_model(model)
    final = {**spec.defaults, **(values or {})}
    optimized = list(optimized)
    return OptimizationRecord(
        run_id=run_id,
        model=spec.name,
        dataset_tag=dataset_tag,
        datasets=dataset_tag.split("+"),
        timestamp=format_timestamp(when or utc_now()),
        optimized=optimized,
        fixed=[name for name in spec.param_names if name not in optimized],
        frozen=[],
        start=spec.defaults,
        final=final,
        chi2_start=123.0,
        chi2=4.5,
        chi2_by_dataset={tag: 4.5 for tag in dataset_tag.split("+")},
        errors={name: 0.01 for name in optimized},
        unconstrained=[],
        bounds_hit=[],
        converged=converged,
        message="converged" if converged else "iteration limit reached",
        method=method,
        nfev=42,
        wall_s=0.25,
        settings={"tol": 1e-8},
        provenance={"cosmofit": "test"},
    )


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and directory under ``directory`` with its content and mtime."""
    result: dict[str, tuple[bytes, int]] = {}
    if not directory.exists():
        return result
    for path in sorted(directory.rglob("*")):
        content = path.read_bytes() if path.is_file() else b"<dir>"
        result[str(path.relative_to(directory))] = (content, path.stat().st_mtime_ns)
    return result
