"""Updates survive a reload exactly, merge non-destructively and rotate their backups."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import make_record

from cosmofit.errors import StoreError
from cosmofit.store import OptimizedParameterStore, resolve_store_root
from cosmofit.store.schema import ModelDocument, seal, verify


def test_update_then_reload_gives_identical_values_and_metadata(root: Path) -> None:
    values = {"H0": 67.36123456789012, "Om0": 0.31530000000000003, "Obh2": 0.022383}
    record = make_record("run-1", values=values, optimized=values, dataset_tag="cmb+bao+sn")
    OptimizedParameterStore(root).update_model_defaults(record)

    fresh = OptimizedParameterStore(root)
    entries = fresh.get_model_defaults("lcdm")
    for name, value in values.items():
        assert entries[name].value == value
        assert entries[name].source == "cmb+bao+sn"
        assert entries[name].run_id == "run-1"
        assert entries[name].timestamp == record.timestamp
        assert entries[name].method == "L-BFGS-B"
    assert entries["ns"].source == "default"
    assert fresh.get_optimization_history("lcdm") == [record]
    assert fresh.warnings == []


@settings(max_examples=40, deadline=None)
@given(
    h0=st.floats(20.0, 150.0),
    rmax=st.floats(1e6, 1e12),
    alpha=st.floats(1e-6, 1e-2),
)
def test_any_float_round_trips_bit_for_bit(h0: float, rmax: float, alpha: float) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        values = {"H0": h0, "Rmax": rmax, "alpha": alpha}
        record = make_record("r", model="pbuf", values=values, optimized=values)
        OptimizedParameterStore(scratch).update_model_defaults(record)
        reloaded = OptimizedParameterStore(scratch)
        entries = reloaded.get_model_defaults("pbuf")
        assert {name: entries[name].value for name in values} == values
        assert reloaded.get_record("pbuf", "r").final == record.final


def test_second_update_leaves_other_parameters_untouched(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first", values={"H0": 68.0, "Om0": 0.30}))
    before = store.get_model_defaults("lcdm")["Om0"]

    second = make_record("second", values={"H0": 70.5, "Om0": 0.99}, optimized=["H0"])
    doc = store.update_model_defaults(second.model_copy(update={"dataset_tag": "bao"}))

    after = OptimizedParameterStore(root).get_model_defaults("lcdm")
    assert after["Om0"] == before
    assert after["Om0"].run_id == "first"
    assert after["H0"].value == 70.5
    assert after["H0"].source == "bao"
    assert doc.last_run_id == "second"


def test_each_update_is_backed_up_and_rotation_keeps_newest(root: Path) -> None:
    store = OptimizedParameterStore(root, backups_kept=3)
    for i in range(6):
        store.update_model_defaults(make_record(f"r{i}", values={"H0": 60.0 + i}))
    backups = store.list_backups("lcdm")
    assert len(backups) == 3
    assert backups == sorted(backups)
    newest = ModelDocument.from_text((root / "backups" / backups[-1]).read_text())
    assert verify(newest)
    assert newest.last_run_id == "r5"  # the newest backup equals the current document
    assert newest.checksum == ModelDocument.from_text((root / "lcdm.json").read_text()).checksum


def test_seal_and_verify_detect_any_change() -> None:
    doc = seal(
        ModelDocument(schema_version=1, model="lcdm", updated="2026-01-01T00:00:00Z", parameters={})
    )
    assert verify(doc)
    assert not verify(doc.model_copy(update={"model": "pbuf"}))
    assert json.loads(doc.to_text())["checksum"] == doc.checksum


def test_records_with_missing_or_out_of_bounds_values_are_refused(root: Path) -> None:
    store = OptimizedParameterStore(root)
    incomplete = make_record("bad").model_copy(update={"final": {"H0": 70.0}})
    with pytest.raises(StoreError, match="lacks final values"):
        store.update_model_defaults(incomplete)
    with pytest.raises(StoreError, match="outside|inside"):
        store.update_model_defaults(make_record("bad", values={"H0": 500.0}))
    assert not root.exists()


def test_root_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.setenv("COSMOFIT_STORE", str(tmp_path / "from-env"))
    assert resolve_store_root(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_store_root() == tmp_path / "from-env"
    monkeypatch.delenv("COSMOFIT_STORE")
    assert resolve_store_root() == platformdirs.user_data_path("cosmofit") / "store"
