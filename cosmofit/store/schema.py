"""On-disk schema of the parameter store, validated with pydantic.

Every file the store writes is one of these models serialised with the
standard-library ``json`` module (whose float ``repr`` round-trips exactly), so
a value read back is bit-for-bit the value written. The model document carries
a sha256 checksum of its own canonical JSON: a file that parses but was
truncated, hand-edited or bit-flipped is detected instead of trusted.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Version of the model-document layout; bump it when a field changes meaning.
SCHEMA_VERSION = 1

#: ``source`` of a parameter that has never been optimized.
DEFAULT_SOURCE = "default"


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (one clock for the whole store)."""
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with microseconds and a trailing ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    """Parse a stored timestamp; only UTC (``Z`` or ``+00:00``) is accepted.

    Requiring UTC keeps ages and orderings independent of the machine's zone.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() != UTC.utcoffset(None):
        raise ValueError(f"timestamp {text!r} must be in UTC (ending in 'Z' or '+00:00')")
    return moment


def new_run_id(moment: datetime | None = None) -> str:
    """A sortable, practically unique run id such as ``20260105T101502Z-3fa9c1``."""
    stamp = (moment or utc_now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def _check_utc(text: str | None) -> str | None:
    if text is not None:
        parse_timestamp(text)
    return text


class ParameterEntry(BaseModel):
    """The stored value of one parameter and where it came from."""

    model_config = ConfigDict(extra="forbid")

    value: float
    source: str
    run_id: str | None = None
    timestamp: str | None = None
    method: str | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("a stored parameter value must be a finite number")
        return value

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: str | None) -> str | None:
        return _check_utc(value)


class OptimizationRecord(BaseModel):
    """One line of a model's history: a finished optimization or a restore.

    ``final`` holds every model parameter (not only the optimized ones) so that
    any record can be restored on its own. Non-finite numbers are allowed (an
    unconstrained parameter may have an infinite error) and are written as
    ``NaN``/``Infinity``, which Python's ``json`` reads back.
    """

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    run_id: str = Field(min_length=1)
    kind: Literal["optimization", "restore"] = "optimization"
    model: str
    dataset_tag: str
    datasets: list[str]
    timestamp: str
    optimized: list[str]
    fixed: list[str]
    frozen: list[str]
    start: dict[str, float]
    final: dict[str, float]
    chi2_start: float | None  # None for restores: nothing was evaluated
    chi2: float | None
    chi2_by_dataset: dict[str, float]
    errors: dict[str, float]
    unconstrained: list[str]
    bounds_hit: list[str]
    #: Parameters held at a --set value the optimum was conditioned on; they are stored
    #: with the optimized ones, so the new defaults stay coherent.
    conditioned_on: list[str] = Field(default_factory=list)
    #: k of AIC/BIC: the constrained directions (Hessian rank) plus profiled SN offsets.
    n_constrained: int | None = None
    converged: bool
    message: str
    method: str
    nfev: int
    wall_s: float
    cov_scale: float = 1.0
    settings: dict[str, Any] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None
    restored_from: str | None = None

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: str) -> str:
        parse_timestamp(value)
        return value

    @property
    def moment(self) -> datetime:
        """``timestamp`` as an aware datetime."""
        return parse_timestamp(self.timestamp)

    def to_line(self) -> str:
        """Compact one-line JSON for the append-only history file."""
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":"))


class ModelDocument(BaseModel):
    """The current defaults of one model: ``<root>/<model>.json``."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int
    model: str
    updated: str
    parameters: dict[str, ParameterEntry]
    last_run_id: str | None = None
    checksum: str = ""

    @field_validator("updated")
    @classmethod
    def _utc(cls, value: str) -> str:
        parse_timestamp(value)
        return value

    def to_text(self) -> str:
        """Indented JSON for the file (humans read it; the checksum ignores layout)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_text(cls, text: str) -> ModelDocument:
        """Parse a file's text; raises ``ValueError`` (or pydantic's subclass of it)."""
        return cls.model_validate(json.loads(text))


def compute_checksum(doc: ModelDocument) -> str:
    """sha256 of the canonical JSON of ``doc`` without its ``checksum`` field."""
    payload = doc.model_dump(mode="json", exclude={"checksum"})
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(doc: ModelDocument) -> ModelDocument:
    """A copy of ``doc`` with its checksum filled in."""
    return doc.model_copy(update={"checksum": compute_checksum(doc)})


def verify(doc: ModelDocument) -> bool:
    """True when the stored checksum matches the content."""
    return doc.checksum == compute_checksum(doc)


class ConsistencyRow(BaseModel):
    """One shared parameter compared between the stored LCDM and PBUF defaults."""

    param: str
    lcdm_value: float
    lcdm_source: str
    pbuf_value: float
    pbuf_source: str
    relative_difference: float
    ok: bool


class ConsistencyReport(BaseModel):
    """Whether LCDM and PBUF agree on the parameters they share."""

    tolerance: float
    rows: list[ConsistencyRow]
    consistent: bool
