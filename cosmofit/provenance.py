"""Where a number came from: versions, code revision, settings hash and timestamps.

Every stored optimization carries this, so a researcher can say which code,
data and settings produced a value and run it again.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cosmofit._version import __version__


def utc_now() -> str:
    """UTC ISO-8601 timestamp with microseconds, e.g. 2026-11-25T14:03:07.123456Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def settings_hash(settings: Any) -> str:
    """sha256 of the canonical JSON of the effective settings."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout cosmofit runs from, or None for an installed copy."""
    top = Path(__file__).resolve().parents[1]
    if not (top / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(top), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def software_versions() -> dict[str, str]:
    import numpy
    import scipy

    return {
        "cosmofit": __version__,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }


def provenance(
    *,
    settings: dict,
    dataset_sha256: dict[str, str],
    method: str,
    options: dict,
    cov_scale: float,
    started: str,
    finished: str,
    wall_s: float,
    nfev: int,
    message: str,
    conventions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The provenance block stored with every optimization record.

    ``conventions`` names how each dataset's observables were computed where that
    is a choice (e.g. the CMB priors' recipe), so a fit made under an earlier
    convention is recognised rather than reported as a broken reproduction.
    """
    return {
        "versions": software_versions(),
        "git_commit": git_commit(),
        "optimizer": {"method": method, "options": options},
        "datasets": dataset_sha256,
        "conventions": dict(conventions or {}),
        "cov_scale": cov_scale,
        "settings_hash": settings_hash(settings),
        "started": started,
        "finished": finished,
        "wall_s": wall_s,
        "nfev": nfev,
        "message": message,
    }
