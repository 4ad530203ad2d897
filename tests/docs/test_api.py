"""Every name documented in docs/api.md is importable from ``cosmofit`` and has its methods."""

from __future__ import annotations

import re
from pathlib import Path

import cosmofit

API = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
DOCUMENTED = re.findall(r"^## `cosmofit\.(\w+)`", API, re.M)


def test_documented_names_exist():
    assert len(DOCUMENTED) >= 8
    for name in DOCUMENTED:
        assert hasattr(cosmofit, name), name
        assert getattr(cosmofit, name).__doc__, f"{name} has no docstring"


def test_documented_methods_exist():
    bg = cosmofit.background("lcdm")
    for method in (
        "E",
        "H",
        "DM",
        "DA",
        "DH",
        "DV",
        "DL",
        "mu",
        "rs",
        "z_star",
        "z_drag",
        "r_drag",
        "rs_star",
        "DM_star",
    ):
        assert hasattr(bg, method), method
    like = cosmofit.load_likelihood("cmb", "lcdm")
    for method in ("chi2", "evaluate", "chi2_by_dataset", "derived", "n_data", "datasets"):
        assert hasattr(like, method), method
    for method in (
        "get_model_defaults",
        "update_model_defaults",
        "get_optimization_history",
        "get_record",
        "get_warm_start_params",
        "validate_cross_model_consistency",
        "restore",
        "list_backups",
        "check",
        "paths",
    ):
        assert callable(getattr(cosmofit.OptimizedParameterStore, method)), method
    for method in ("run", "chi2_at", "start_points"):
        assert callable(getattr(cosmofit.ParameterOptimizer, method)), method


def test_stored_defaults_are_the_point_the_cli_fits(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    import cosmofit
    from cosmofit.cli import app

    store = tmp_path / "store"
    env = {"COSMOFIT_STORE": str(store), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    runner = CliRunner()
    assert cosmofit.stored_defaults("lcdm", store) == cosmofit.get_model("lcdm").defaults
    runner.invoke(app, ["optimize", "cmb", "--model", "lcdm"], env=env, catch_exceptions=False)
    fit = runner.invoke(app, ["fit", "cmb,bao", "--json"], env=env, catch_exceptions=False)
    params = cosmofit.stored_defaults("lcdm", store)
    assert params != cosmofit.get_model("lcdm").defaults
    chi2 = cosmofit.load_likelihood("cmb,bao", "lcdm").chi2(params)
    assert chi2 == json.loads(fit.stdout)["chi2"]["total"]
