"""Read methods create nothing; LCDM and PBUF defaults are compared on shared parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import make_record, snapshot

from cosmofit.errors import StoreError
from cosmofit.store import OptimizedParameterStore


def _read_everything(store: OptimizedParameterStore) -> None:
    for model in ("lcdm", "pbuf", "wcdm"):
        store.get_model_defaults(model)
        store.get_optimization_history(model, limit=3)
        store.get_warm_start_params(model, "cmb")
        store.list_backups(model)
        store.check(model)
        store.paths(model)
        with pytest.raises(StoreError):
            store.get_record(model, "absent")
    store.validate_cross_model_consistency()


def test_reads_on_a_missing_root_create_nothing(tmp_path: Path, root: Path) -> None:
    before = snapshot(tmp_path)
    store = OptimizedParameterStore(root)
    _read_everything(store)
    assert not root.exists()
    assert snapshot(tmp_path) == before
    assert store.warnings == []


def test_reads_on_a_populated_store_leave_it_byte_identical(root: Path) -> None:
    writer = OptimizedParameterStore(root)
    for i in range(3):
        writer.update_model_defaults(make_record(f"r{i}", values={"H0": 67.0 + i}))
    before = snapshot(root)
    _read_everything(OptimizedParameterStore(root))
    assert snapshot(root) == before


def test_history_limit_returns_the_newest(root: Path) -> None:
    store = OptimizedParameterStore(root)
    for i in range(5):
        store.update_model_defaults(make_record(f"r{i}"))
    assert [r.run_id for r in store.get_optimization_history("lcdm", limit=2)] == ["r3", "r4"]
    assert store.get_optimization_history("lcdm", limit=0) == []


def test_builtin_defaults_are_consistent(root: Path) -> None:
    report = OptimizedParameterStore(root).validate_cross_model_consistency()
    assert report.consistent
    assert [row.param for row in report.rows] == ["H0", "Om0", "Obh2", "ns"]


def test_divergent_shared_parameter_is_reported_and_warned(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("p", model="pbuf", values={"H0": 70.0}))
    report = store.validate_cross_model_consistency(tolerance=1e-3)
    assert not report.consistent
    (bad,) = [row for row in report.rows if not row.ok]
    assert bad.param == "H0" and bad.pbuf_source == "cmb" and bad.lcdm_source == "default"
    assert abs(bad.relative_difference - 2.6 / 70.0) < 1e-12
    assert any(w.startswith("H0 differs between lcdm") for w in store.warnings)
