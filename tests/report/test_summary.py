"""The summary document: schema keys, fit criteria, model comparison, strict JSON."""

from __future__ import annotations

import json
import math

import pytest

from cosmofit.data.registry import get_dataset
from cosmofit.report.summary import (
    SUMMARY_SCHEMA_VERSION,
    build_summary,
    summary_path,
    write_summary,
)
from cosmofit.store.store import OptimizedParameterStore

TOP_KEYS = {
    "schema_version",
    "generated",
    "store",
    "models",
    "comparison",
    "datasets",
    "plot_datasets",
    "same_data_comparison",
    "profiles",
    "samples",
    "evidence",
    "warnings",
}
MODEL_KEYS = {
    "description",
    "parameters",
    "defaults",
    "last_optimization",
    "chi2_history",
    "recent_history",
}
LAST_KEYS = {
    "run_id", "timestamp", "dataset_tag", "datasets", "chi2", "chi2_start", "chi2_by_dataset",
    "improvement", "optimized", "fixed", "frozen", "start", "final", "errors", "unconstrained",
    "bounds_hit", "errors_conditional_on", "early_universe_warning", "converged", "message",
    "method", "nfev", "wall_s", "cov_scale", "note", "provenance", "n_data", "k", "n_moved",
    "dof", "aic", "bic",
}  # fmt: skip


@pytest.fixture
def summary(filled_store) -> dict:
    return build_summary(filled_store)


def test_schema_keys(summary):
    from cosmofit.models.registry import available_models

    assert summary["schema_version"] == SUMMARY_SCHEMA_VERSION == 5
    assert set(summary) == TOP_KEYS
    assert set(summary["models"]) == set(available_models())  # every registered model
    for model, section in summary["models"].items():
        assert set(section) == MODEL_KEYS
        if model in ("lcdm", "pbuf"):
            assert set(section["last_optimization"]) == LAST_KEYS
        else:
            assert section["last_optimization"] is None
    assert set(summary["comparison"]) == {
        "datasets", "comparable", "reason", "best_model", "best_model_bic", "delta_aic",
        "delta_bic",
    }  # fmt: skip


def test_fit_criteria_follow_their_definitions(summary, chi2_table):
    n_data = sum(get_dataset(name).n_points for name in chi2_table["lcdm"])
    for model, optimized in (("lcdm", 2), ("pbuf", 3)):
        last = summary["models"][model]["last_optimization"]
        chi2 = sum(chi2_table[model].values())
        k = optimized + 1  # one profiled magnitude for pantheon+
        assert last["n_data"] == n_data
        assert last["k"] == k
        assert last["dof"] == n_data - k
        assert last["aic"] == pytest.approx(chi2 + 2 * k, rel=1e-14)
        assert last["bic"] == pytest.approx(chi2 + k * math.log(n_data), rel=1e-14)
        assert last["improvement"] == pytest.approx(40.0)


def test_delta_aic_is_relative_to_the_best_model(summary):
    comparison = summary["comparison"]
    lcdm = summary["models"]["lcdm"]["last_optimization"]
    pbuf = summary["models"]["pbuf"]["last_optimization"]
    assert comparison["comparable"] is True and comparison["reason"] is None
    best = "lcdm" if lcdm["aic"] <= pbuf["aic"] else "pbuf"
    assert comparison["best_model"] == best
    assert comparison["delta_aic"][best] == 0.0
    assert comparison["delta_aic"]["pbuf"] - comparison["delta_aic"]["lcdm"] == pytest.approx(
        pbuf["aic"] - lcdm["aic"]
    )
    assert comparison["datasets"] == ["planck18_priors", "desi_dr2", "pantheon+"]


def test_no_delta_between_fits_to_different_data(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path)
    store.update_model_defaults(make_record("lcdm", {"planck18_priors": 1.0}))
    store.update_model_defaults(make_record("pbuf", chi2_table["pbuf"]))
    comparison = build_summary(store)["comparison"]
    assert comparison["comparable"] is False
    assert "different datasets" in comparison["reason"]
    assert set(comparison["delta_aic"].values()) == {None}


def test_labels_citations_and_history(summary):
    lcdm = summary["models"]["lcdm"]
    h0 = next(p for p in lcdm["parameters"] if p["name"] == "H0")
    assert (h0["label"], h0["unit"]) == ("H_0", "km/s/Mpc")
    assert summary["datasets"]["pantheon+"]["citation"].startswith("Brout et al. 2022")
    assert summary["datasets"]["desi_dr2"]["n_points"] == 13
    history = lcdm["chi2_history"]
    assert [point["dataset_tag"] for point in history] == [
        "planck18_priors",
        "planck18_priors+desi_dr2+pantheon+",
    ]
    assert history[0]["timestamp"] < history[1]["timestamp"]
    assert history[1]["chi2"] == lcdm["last_optimization"]["chi2"]
    assert summary["plot_datasets"] == {
        "cmb": "planck18_priors", "bao": "desi_dr2", "sn": "pantheon+",
    }  # fmt: skip


def test_non_finite_numbers_become_null_and_the_file_is_strict_json(filled_store):
    path = write_summary(filled_store)
    assert path == summary_path(filled_store)
    assert path == filled_store.root / "reports" / "optimization_summary.json"

    def refuse(constant: str):
        raise AssertionError(f"summary contains {constant}")

    data = json.loads(path.read_text(), parse_constant=refuse)
    assert data["models"]["pbuf"]["last_optimization"]["errors"]["H0"] is None


def test_empty_store_summarizes_defaults(tmp_path):
    summary = build_summary(OptimizedParameterStore(tmp_path / "missing"))
    for section in summary["models"].values():
        assert section["last_optimization"] is None
        assert section["chi2_history"] == []
        assert {entry["source"] for entry in section["defaults"].values()} == {"default"}
    assert summary["comparison"]["comparable"] is False
    assert set(summary["plot_datasets"]) == {"cmb", "bao", "sn"}
