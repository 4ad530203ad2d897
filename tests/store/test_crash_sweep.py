"""Kill each writing command at its file-system system calls (strace) and check the store.

The default suite kills a few evenly spread calls of two commands; the full
sweep (every call of every writing command) is marked slow:
``pytest -m slow tests/store/test_crash_sweep.py`` or ``python scripts/crash_sweep.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import crash_sweep  # noqa: E402

pytestmark = pytest.mark.skipif(
    crash_sweep.strace_available() is not None,
    reason=f"crash sweep needs strace: {crash_sweep.strace_available()}",
)


def _assert_clean(results: dict, *, every_point: bool) -> None:
    for name, result in results.items():
        assert result["failures"] == [], (name, result["failures"])
        assert result["tried"] > 0, name
        if every_point:
            assert result["tried"] == result["kill_points"], name
        # The ordinal counting really hits the recorded call (not just some call).
        assert result["landed_exactly"] >= result["tried"] // 2, (name, result)


def test_sampled_kill_points_leave_a_consistent_store() -> None:
    results = crash_sweep.sweep(["recovering-store-show", "optimize"], sample=4, progress=None)
    _assert_clean(results, every_point=False)


@pytest.mark.slow
def test_every_kill_point_of_every_writing_command() -> None:
    results = crash_sweep.sweep(list(crash_sweep.SCENARIOS), progress=None)
    _assert_clean(results, every_point=True)
    assert set(results) == {
        "optimize",
        "store-restore",
        "recovering-store-show",
        "report-html",
        "data-add",
        "profile-journal",
    }
