"""Strict JSON for results: pydantic models to plain data, NaN and infinity to null.

Python's json writes NaN and Infinity, which strict JSON readers (jq, browsers)
reject; every file and every ``--json`` output goes through here instead.
"""

from __future__ import annotations

import math
from typing import Any


def json_safe(value: Any) -> Any:
    """Plain JSON-able data with every non-finite float replaced by ``None``."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value
