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


def test_restore_from_run_sets_what_the_run_optimized(store: OptimizedParameterStore) -> None:
    """Fixed parameters (ns, Neff, Tcmb) keep their entries: the run did not determine them."""
    backups_before = store.list_backups("lcdm")
    doc = store.restore("lcdm", run_id="r1")

    r1 = store.get_record("lcdm", "r1")
    entries = OptimizedParameterStore(store.root).get_model_defaults("lcdm")
    assert {n: entries[n].value for n in r1.optimized} == {n: r1.final[n] for n in r1.optimized}
    assert {entries[n].source for n in r1.optimized} == {"restore:r1"}
    fixed = [n for n in entries if n not in r1.optimized]
    assert {entries[n].source for n in fixed} == {"default"}
    assert entries["ns"].value == 0.9649  # r1's final ns (0.97) was never optimized

    last = store.get_optimization_history("lcdm")[-1]
    assert last.kind == "restore" and last.restored_from == "r1"
    assert last.final == {**r1.final, "ns": 0.9649} and doc.last_run_id == last.run_id
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
    with pytest.raises(UsageError, match="cosmofit store history lcdm"):
        store.restore("lcdm", run_id="nope")
    with pytest.raises(StoreError, match="no backup 'lcdm.bogus.json'"):
        store.restore("lcdm", backup="lcdm.bogus.json")
    with pytest.raises(StoreError, match="no backup"):
        store.restore("lcdm", backup="../lcdm.json")


def test_get_record_names_the_command_listing_run_ids(store: OptimizedParameterStore) -> None:
    assert store.get_record("lcdm", "r2").final["H0"] == 71.0
    with pytest.raises(StoreError, match=r"no run 'r9'.*`cosmofit store history lcdm`"):
        store.get_record("lcdm", "r9")


def test_restore_accepts_a_unique_run_id_prefix(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("20261130T101010Z-aaa111", values={"H0": 66.0}))
    store.update_model_defaults(make_record("20261130T101010Z-abb222", values={"H0": 70.0}))
    store.restore("lcdm", run_id="20261130T101010Z-aa")
    assert store.get_model_defaults("lcdm")["H0"].value == 66.0
    with pytest.raises(UsageError, match="matches 2 runs"):
        store.restore("lcdm", run_id="20261130T101010Z-a")
    with pytest.raises(UsageError, match="no run of lcdm starts with 'nonexistent'"):
        store.restore("lcdm", run_id="nonexistent")


def test_set_values_are_stored_with_the_optimum_and_restored_with_it(root: Path) -> None:
    store = OptimizedParameterStore(root)
    record = make_record("r1", values={"H0": 68.5, "Om0": 0.30, "Obh2": 0.02218})
    store.update_model_defaults(record.model_copy(update={"conditioned_on": ["Obh2"]}))
    entries = store.get_model_defaults("lcdm")
    assert entries["Obh2"].value == 0.02218 and entries["Obh2"].source == "cmb (--set)"
    store.update_model_defaults(make_record("r2", values={"H0": 71.0, "Om0": 0.28}))
    store.restore("lcdm", run_id="r1")
    assert store.get_model_defaults("lcdm")["Obh2"].value == 0.02218
