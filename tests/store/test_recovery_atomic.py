"""Recovery is atomic at every instant, and a lost document is recovered, never "fresh"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from store_helpers import make_record, snapshot

from cosmofit.store import OptimizedParameterStore

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import crash_sweep  # noqa: E402


def _two_runs(root: Path) -> OptimizedParameterStore:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first", values={"H0": 68.1}))
    store.update_model_defaults(make_record("second", values={"H0": 69.2}))
    return store


def test_deleted_document_is_recovered_from_the_newest_backup(root: Path) -> None:
    _two_runs(root)
    (root / "lcdm.json").unlink()
    store = OptimizedParameterStore(root)
    entries = store.get_model_defaults("lcdm")
    assert entries["H0"].value == 69.2 and entries["H0"].run_id == "second"
    assert len(store.warnings) == 1 and "is missing; restored from backup" in store.warnings[0]
    assert (root / "lcdm.json").is_file()  # repaired on disk, under the lock
    again = OptimizedParameterStore(root)
    assert again.get_model_defaults("lcdm")["H0"].value == 69.2 and again.warnings == []


def test_deleted_document_read_only_is_recovered_in_memory(root: Path) -> None:
    _two_runs(root)
    (root / "lcdm.json").unlink()
    before = snapshot(root)
    store = OptimizedParameterStore(root, read_only=True)
    assert store.get_model_defaults("lcdm")["H0"].value == 69.2
    assert "is missing; using backup" in store.warnings[0]
    assert snapshot(root) == before


def test_deleted_document_without_backups_warns_loudly(root: Path) -> None:
    _two_runs(root)
    (root / "lcdm.json").unlink()
    for backup in (root / "backups").iterdir():
        backup.unlink()
    store = OptimizedParameterStore(root)
    assert store.get_model_defaults("lcdm")["H0"].source == "default"
    assert "is missing and NO valid backup exists" in store.warnings[0]
    assert "cosmofit store restore lcdm --run" in store.warnings[0]
    assert any("is missing although lcdm has a history" in p for p in store.check("lcdm"))


def test_a_never_written_model_is_fresh_without_warnings(root: Path) -> None:
    store = OptimizedParameterStore(root)
    assert store.get_model_defaults("pbuf")["H0"].source == "default"
    assert store.warnings == [] and not root.exists()


def test_corrupt_document_stays_in_place_until_one_rename_replaces_it(root: Path) -> None:
    """The corrupt file gets a second name first; the document path is never empty."""
    _two_runs(root)
    (root / "lcdm.json").write_text('{"broken')
    store = OptimizedParameterStore(root)
    assert store.get_model_defaults("lcdm")["H0"].value == 69.2
    (aside,) = root.glob("lcdm.json.corrupt-*")
    assert aside.read_text() == '{"broken'
    assert "copied it to" in store.warnings[0]


@pytest.mark.skipif(crash_sweep.strace_available() is not None, reason="needs a working strace")
def test_kill_between_setting_aside_and_restoring_keeps_the_optimized_values(
    tmp_path: Path,
) -> None:
    """The reported reproduction: SIGKILL a recovering `store show` before its rename."""
    sandbox = tmp_path / "sandbox"
    (sandbox / "config").mkdir(parents=True)
    store = _two_runs(sandbox / "store")
    assert store.warnings == []
    (sandbox / "store" / "lcdm.json").write_text('{"broken')
    strace = ["strace", "-f", "-qq", "-o", os.devnull, "-e", "trace=rename"]
    killed = crash_sweep.run_cosmofit(
        sandbox, ["store", "show", "lcdm"], [*strace, "-e", "inject=rename:signal=KILL:when=1"]
    )
    assert killed.returncode in (-9, 137), killed.stderr
    assert (sandbox / "store" / "lcdm.json").exists()
    shown = crash_sweep.run_cosmofit(sandbox, ["store", "show", "lcdm", "--json"])
    assert shown.returncode == 0, shown.stderr
    assert "restored from backup" in shown.stderr and "second" in shown.stdout
    assert "69.2" in shown.stdout


def test_crash_sweep_script_runs_from_a_shell() -> None:
    """The documented script answers --help without strace or a store."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "crash_sweep.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--sample" in done.stdout


def test_a_lost_history_is_reported_not_silent(root: Path) -> None:
    _two_runs(root)
    (root / "lcdm.history.jsonl").unlink()
    store = OptimizedParameterStore(root)
    assert store.get_optimization_history("lcdm") == []
    assert "is missing or empty although lcdm.json was set by run second" in store.warnings[0]
    assert store.get_model_defaults("lcdm")["H0"].value == 69.2  # the document is intact
