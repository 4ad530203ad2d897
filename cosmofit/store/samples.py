"""Records of sampling runs (kind ``"sample"``): ``<store>/<model>.samples.jsonl``.

One line per finished ``cosmofit sample`` run, appended under the model's
lock like the optimization history, so concurrent runs never interleave and a
kill leaves at most an unterminated last line (kept aside in ``.torn`` before
the next append cuts it off). The chains themselves live in the run directory
the record points to (by default ``<store>/samples/<model>-<datasets>-<UTC>``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cosmofit.store.atomic import (
    append_line,
    atomic_write_text,
    model_lock,
    read_torn_tail,
    truncate_durably,
)

#: Folder of the store root holding the default run directories of ``cosmofit sample``.
SAMPLE_RUNS = "samples"
#: The summary a sampling run writes into its directory.
SAMPLE_SUMMARY = "summary.json"


class SampleRecord(BaseModel):
    """One finished sampling run, with what is needed to find and reproduce it."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    run_id: str = Field(min_length=1)
    kind: Literal["sample"] = "sample"
    model: str
    dataset_tag: str
    datasets: list[str]
    timestamp: str
    sampler: str
    sampled: list[str]
    priors: dict[str, dict[str, float]]
    converged: bool
    r_minus_one: float | None = None
    ess: float | None = None
    log_z: float | None = None
    log_z_error: float | None = None
    mean: dict[str, float] = Field(default_factory=dict)
    sigma: dict[str, float] = Field(default_factory=dict)
    chi2_best: float | None = None
    samples: int = 0
    wall_s: float = 0.0
    directory: str
    settings: dict[str, Any] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)


def samples_path(root: Path | str, model: str) -> Path:
    return Path(root) / f"{model}.samples.jsonl"


def append_sample_record(root: Path | str, record: SampleRecord, *, timeout: float = 30.0) -> None:
    """Append ``record`` under the model's lock (the lock the optimization history uses)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = samples_path(root, record.model)
    with model_lock(root, record.model, timeout):
        tail = read_torn_tail(path)
        if tail is not None:
            offset, fragment = tail
            atomic_write_text(path.with_suffix(".jsonl.torn"), fragment.decode(errors="replace"))
            truncate_durably(path, offset)
        append_line(path, json.dumps(record.model_dump(mode="json"), separators=(",", ":")))


def read_sample_records(root: Path | str, model: str) -> tuple[list[SampleRecord], list[str]]:
    """The model's sample records, oldest first, and one warning per unreadable line."""
    path = samples_path(root, model)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    records, problems = [], []
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(SampleRecord.model_validate(json.loads(line)))
        except ValueError:
            last = number == len(lines)
            what = "incomplete last line" if last else f"line {number} is corrupt and"
            problems.append(f"{path}: {what} was skipped")
    return records, problems
