"""Restores from a run or a backup, each recorded in the history and undoable."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import make_record

from cosmofit.errors import StoreError, UsageError
from cosmofit.store import OptimizedParameterStore


@pytest.fixture
def store(root: Path) -> OptimizedParameterStore:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("r1", values={"H0": 66.0, "Om0": 0.33, "ns": 0.97}))
    store.update_model_defaults(make_record("r2", values={"H0": 71.0, "Om0": 0.28}))
    return store


def test_restore_from_run_sets_every_parameter(store: OptimizedParameterStore) -> None:
    backups_before = store.list_backups("lcdm")
    doc = store.restore("lcdm", run_id="r1")

    r1 = store.get_record("lcdm", "r1")
    entries = OptimizedParameterStore(store.root).get_model_defaults("lcdm")
    assert {name: entry.value for name, entry in entries.items()} == r1.final
    assert {entry.source for entry in entries.values()} == {"restore:r1"}

    last = store.get_optimization_history("lcdm")[-1]
    assert last.kind == "restore" and last.restored_from == "r1"
    assert last.final == r1.final and doc.last_run_id == last.run_id
    assert entries["H0"].run_id == last.run_id
    assert len(store.list_backups("lcdm")) == len(backups_before) + 1  # the restored document


def test_restore_from_backup_brings_back_that_document(store: OptimizedParameterStore) -> None:
    backup = store.list_backups("lcdm")[0]  # the document written by r1
    store.restore("lcdm", backup=backup)

    entries = OptimizedParameterStore(store.root).get_model_defaults("lcdm")
    assert entries["H0"].value == 66.0 and entries["H0"].run_id == "r1"
    last = store.get_optimization_history("lcdm")[-1]
    assert last.kind == "restore" and last.restored_from == backup
    assert last.start["H0"] == 71.0 and last.final["H0"] == 66.0
    assert last.chi2 is None  # no fit happened: nothing to report


def test_a_restore_can_itself_be_undone(store: OptimizedParameterStore) -> None:
    store.restore("lcdm", run_id="r1")
    undo = store.list_backups("lcdm")[-2]  # the document before the restore (r2's)
    store.restore("lcdm", backup=undo)
    assert store.get_model_defaults("lcdm")["H0"].value == 71.0


def test_restore_argument_errors(store: OptimizedParameterStore) -> None:
    with pytest.raises(UsageError, match="exactly one"):
        store.restore("lcdm")
    with pytest.raises(UsageError, match="exactly one"):
        store.restore("lcdm", run_id="r1", backup="x")
    with pytest.raises(StoreError, match="cosmofit store history lcdm"):
        store.restore("lcdm", run_id="nope")
    with pytest.raises(StoreError, match="no backup 'lcdm.bogus.json'"):
        store.restore("lcdm", backup="lcdm.bogus.json")
    with pytest.raises(StoreError, match="no backup"):
        store.restore("lcdm", backup="../lcdm.json")


def test_get_record_names_the_command_listing_run_ids(store: OptimizedParameterStore) -> None:
    assert store.get_record("lcdm", "r2").final["H0"] == 71.0
    with pytest.raises(StoreError, match=r"no run 'r9'.*`cosmofit store history lcdm`"):
        store.get_record("lcdm", "r9")
