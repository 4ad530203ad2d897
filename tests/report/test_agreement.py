"""Models fitted to the same data are compared in combined sigma; other fits never are."""

from __future__ import annotations

import math

import pytest

from cosmofit.report.agreement import same_data_comparison, store_comparison
from cosmofit.report.summary import build_summary
from cosmofit.store.store import OptimizedParameterStore


def test_same_tag_rows_are_in_combined_sigma(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path)
    store.update_model_defaults(make_record("lcdm", chi2_table["lcdm"]))
    store.update_model_defaults(make_record("pbuf", chi2_table["pbuf"], shift=0.3))
    tables = build_summary(store)["same_data_comparison"]
    assert len(tables) == 1
    table = tables[0]
    assert (table["model_a"], table["model_b"]) == ("lcdm", "pbuf")
    h0 = next(r for r in table["rows"] if r["param"] == "H0")
    combined = math.sqrt(0.4**2 + 0.4**2)
    assert h0["difference"] == pytest.approx(0.3)
    assert h0["shift_sigma"] == pytest.approx(0.3 / combined)
    # pbuf's k_sat ended on its bound: its errors are conditional on it, and the row says so
    assert "k_sat" in h0["note"]
    assert [r["param"] for r in table["rows"]] == ["H0", "Om0"]  # k_sat: pbuf only


def test_fits_to_different_data_are_not_compared_and_never_warn(tmp_path, make_record):
    store = OptimizedParameterStore(tmp_path)
    store.update_model_defaults(make_record("lcdm", {"planck18_priors": 1.0}))
    store.update_model_defaults(make_record("pbuf", {"desi_dr2": 1.0}, shift=5.0))
    result = store_comparison(store, ["lcdm", "pbuf"], tolerance=0.1)
    assert result == {"tolerance": 0.1, "tables": [], "warnings": []}
    assert store.warnings == []


def test_a_warning_only_when_a_tolerance_is_asked_for(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path)
    store.update_model_defaults(make_record("lcdm", chi2_table["lcdm"]))
    store.update_model_defaults(make_record("pbuf", chi2_table["pbuf"], shift=2.0))
    assert store_comparison(store, ["lcdm", "pbuf"])["warnings"] == []
    warned = store_comparison(store, ["lcdm", "pbuf"], tolerance=3.0)["warnings"]
    assert len(warned) == 1 and warned[0].startswith("H0 on ") and "+3.54 sigma" in warned[0]


def test_unconstrained_rows_have_no_sigma(make_record):
    a = make_record("lcdm", {"planck18_priors": 1.0}, errors={"Om0": 0.006})
    b = make_record("pbuf", {"planck18_priors": 1.0})
    rows = same_data_comparison({"lcdm": [a], "pbuf": [b]})["tables"][0]["rows"]
    h0 = next(r for r in rows if r["param"] == "H0")
    assert h0["shift_sigma"] is None and h0["note"].startswith("no 1-sigma")
