"""Warm starts come only from recent, converged runs that still fit the model."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_helpers import make_record

from cosmofit.models import registry
from cosmofit.models.params import ParamSpec
from cosmofit.store import OptimizedParameterStore

RUN_TIME = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(root: Path) -> OptimizedParameterStore:
    store = OptimizedParameterStore(root)
    values = {"H0": 68.25, "Om0": 0.305}
    store.update_model_defaults(make_record("good", values=values, when=RUN_TIME))
    return store


def _replace_lcdm(monkeypatch: pytest.MonkeyPatch, params: tuple[ParamSpec, ...]) -> None:
    lcdm = registry.get_model("lcdm")
    monkeypatch.setitem(registry.MODELS, "lcdm", dataclasses.replace(lcdm, params=params))


def test_fresh_converged_run_gives_its_final_values(store: OptimizedParameterStore) -> None:
    values, reason = store.get_warm_start_params(
        "lcdm", "cmb", now=RUN_TIME + timedelta(minutes=30)
    )
    assert values is not None and values["H0"] == 68.25 and values["Om0"] == 0.305
    assert list(values) == list(registry.get_model("lcdm").param_names)
    assert reason == "warm start from run good (age 30 min)"


def test_old_run_is_refused_with_its_age(store: OptimizedParameterStore) -> None:
    values, reason = store.get_warm_start_params(
        "lcdm", "cmb", now=RUN_TIME + timedelta(hours=30.1)
    )
    assert values is None
    assert reason == "latest run good is 30.1 h old (limit 24 h)"


def test_other_dataset_tag_has_no_previous_run(store: OptimizedParameterStore) -> None:
    values, reason = store.get_warm_start_params("lcdm", "bao", now=RUN_TIME)
    assert values is None and reason == "no previous run of lcdm on bao"


def test_unconverged_and_restore_records_are_never_used(store: OptimizedParameterStore) -> None:
    later = RUN_TIME + timedelta(hours=1)
    store.update_model_defaults(make_record("failed", when=later, converged=False))
    store.restore("lcdm", run_id="good")
    values, reason = store.get_warm_start_params("lcdm", "cmb", now=later)
    assert values is not None and reason.startswith("warm start from run good")
    _, reason = store.get_warm_start_params("lcdm", "bao", now=later)
    assert reason == "no previous run of lcdm on bao"


def test_changed_bounds_refuse_the_warm_start(
    store: OptimizedParameterStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    lcdm = registry.get_model("lcdm")
    narrowed = tuple(
        dataclasses.replace(p, default=69.0, bounds=(69.0, 80.0)) if p.name == "H0" else p
        for p in lcdm.params
    )
    _replace_lcdm(monkeypatch, narrowed)
    values, reason = store.get_warm_start_params("lcdm", "cmb", now=RUN_TIME)
    assert values is None and reason.startswith("value out of current bounds")
    assert "H0=68.25" in reason


def test_changed_parameters_refuse_the_warm_start(
    store: OptimizedParameterStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    lcdm = registry.get_model("lcdm")
    _replace_lcdm(monkeypatch, (*lcdm.params, ParamSpec("w", -1.0, (-3.0, 0.0))))
    values, reason = store.get_warm_start_params("lcdm", "cmb", now=RUN_TIME)
    assert values is None and reason.startswith("parameters changed") and "w" in reason


def test_runs_written_before_mnu_and_ok0_existed_still_warm_start_and_restore(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A history written when lcdm had no mnu and no Ok0: those parameters were 0 then.
    lcdm = registry.get_model("lcdm")
    older = tuple(p for p in lcdm.params if p.name not in ("mnu", "Ok0"))
    _replace_lcdm(monkeypatch, older)
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("old", values={"H0": 68.25}, when=RUN_TIME))
    monkeypatch.setitem(registry.MODELS, "lcdm", lcdm)

    values, reason = store.get_warm_start_params("lcdm", "cmb", now=RUN_TIME)
    assert reason.startswith("warm start from run old"), reason
    assert values is not None and values["H0"] == 68.25
    assert values["mnu"] == 0.0 and values["Ok0"] == 0.0
    assert list(values) == list(lcdm.param_names)
    restored = store.restore("lcdm", run_id="old")
    # the run determined H0 only; mnu keeps whatever the document had (nothing: the default)
    assert restored.parameters["H0"].value == 68.25
    defaults = store.get_model_defaults("lcdm")
    assert defaults["mnu"].value == 0.0 and defaults["H0"].value == 68.25
