"""``cosmofit optimize``, ``fit`` with the store, and ``store`` end to end in subprocesses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import cosmofit

OPTIMIZE_KEYS = {
    "model",
    "datasets",
    "params",
    "param_source",
    "chi2",
    "n_data",
    "derived",
    "optimized",
    "fixed",
    "frozen",
    "start",
    "errors",
    "unconstrained",
    "bounds_hit",
    "converged",
    "improvement",
    "run_id",
    "stored",
}


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below ``root`` with the sha256 of its bytes (directories too)."""
    if not root.exists():
        return {}
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


@pytest.fixture
def store_dir(tmp_path, cli_env):
    path = tmp_path / "store"
    cli_env["COSMOFIT_STORE"] = str(path)
    return path


def optimize_json(run_cli, *args):
    proc = run_cli("optimize", *args, "--json", check=True)
    return json.loads(proc.stdout)


def test_lcdm_on_planck_priors_reaches_zero_and_is_stored(run_cli, store_dir):
    result = optimize_json(run_cli, "cmb", "--model", "lcdm")
    assert set(result) >= OPTIMIZE_KEYS
    assert result["chi2"]["total"] < 1e-6
    # ns enters no background observable: not moved unless asked for
    assert result["optimized"] == ["H0", "Om0", "Obh2"]
    assert result["fixed"] == ["ns", "Neff", "Tcmb", "mnu", "Ok0"] and result["frozen"] == []
    assert result["converged"] and result["stored"]
    assert result["unconstrained"] == []
    assert result["errors"]["H0"] > 0
    stats = result["statistics"]
    assert (stats["n_data"], stats["n_free"], stats["n_moved"], stats["dof"]) == (3, 3, 3, 0)
    assert any(w.startswith("dof = N - k = 3 - 3 = 0") for w in result["warnings"])
    assert (store_dir / "lcdm.json").is_file()
    assert (store_dir / "reports" / "optimization_summary.json").is_file()


def test_k_counts_constrained_directions_not_moved_parameters(run_cli, store_dir):
    """ns asked for explicitly moves, but no dataset constrains it: k stays the Hessian rank."""
    result = optimize_json(run_cli, "cmb", "--model", "lcdm", "--params", "H0,Om0,Obh2,ns")
    assert result["unconstrained"] == ["ns"] and "ns" not in result["errors"]
    stats = result["statistics"]
    assert (stats["n_free"], stats["n_moved"], stats["dof"]) == (3, 4, 0)
    assert stats["aic"] == pytest.approx(result["chi2"]["total"] + 6.0)


def test_round_trip_store_reload_and_chi2(run_cli, store_dir):
    result = optimize_json(run_cli, "cmb,bao", "--model", "lcdm", "--params", "H0,Om0,Obh2")
    shown = json.loads(run_cli("store", "show", "lcdm", "--json", check=True).stdout)["lcdm"]
    for name, value in result["params"].items():
        assert shown[name]["value"] == pytest.approx(value, rel=1e-12, abs=0)
    assert shown["H0"]["source"] == "cmb+bao" and shown["H0"]["run_id"] == result["run_id"]
    assert shown["Neff"]["source"] == "default"
    # chi2 re-evaluated at the stored values reproduces the stored chi2
    history = json.loads(run_cli("store", "history", "lcdm", "--json", check=True).stdout)
    assert len(history) == 1 and history[0]["run_id"] == result["run_id"]
    refit = json.loads(run_cli("fit", "cmb,bao", "--json", check=True).stdout)
    assert refit["chi2"]["total"] == pytest.approx(history[0]["chi2"], abs=1e-8)
    assert refit["param_source"]["H0"].startswith("store:cmb+bao@")
    assert refit["chi2_builtin"]["total"] > refit["chi2"]["total"]
    # and independently of the CLI, through the Python API
    like = cosmofit.load_likelihood("cmb,bao", "lcdm")
    assert like.chi2({n: shown[n]["value"] for n in shown}) == pytest.approx(
        history[0]["chi2"], abs=1e-8
    )


def test_pbuf_with_all_nine_beats_lcdm_and_names_unconstrained(run_cli, store_dir):
    lcdm = optimize_json(run_cli, "cmb", "--model", "lcdm", "--dry-run")
    pbuf = optimize_json(run_cli, "cmb", "--model", "pbuf", "--dry-run")
    assert len(pbuf["optimized"]) == 8 and "ns" not in pbuf["optimized"]
    assert pbuf["chi2"]["total"] <= lcdm["chi2"]["total"] + 1e-9
    assert {"alpha", "Rmax", "eps0", "n_eps"} <= set(pbuf["unconstrained"])
    assert not {"alpha", "Rmax", "eps0", "n_eps"} & set(pbuf["errors"])
    # three CMB numbers constrain at most three directions of eight moved parameters
    assert pbuf["statistics"]["n_free"] <= 3 < pbuf["statistics"]["n_moved"] == 8


def test_dry_run_leaves_the_filesystem_byte_identical(run_cli, store_dir, cli_env):
    optimize_json(run_cli, "cmb", "--model", "lcdm")  # a store with content
    home = Path(cli_env["HOME"])
    before = (tree_digest(store_dir), tree_digest(home))
    result = optimize_json(run_cli, "cmb,bao", "--model", "pbuf", "--dry-run")
    assert result["stored"] is False
    assert (tree_digest(store_dir), tree_digest(home)) == before


def test_dry_run_on_a_missing_store_creates_nothing(run_cli, store_dir):
    optimize_json(run_cli, "cmb", "--model", "lcdm", "--dry-run")
    assert not store_dir.exists()


def test_non_destructive_merge_and_warm_start(run_cli, store_dir):
    first = optimize_json(run_cli, "cmb", "--model", "lcdm")
    second = optimize_json(
        run_cli, "bao", "--model", "lcdm", "--params", "Om0", "--set", "Obh2=0.02218"
    )
    shown = json.loads(run_cli("store", "show", "lcdm", "--json", check=True).stdout)["lcdm"]
    assert shown["Om0"]["run_id"] == second["run_id"] and shown["Om0"]["source"] == "bao"
    assert shown["H0"]["run_id"] == first["run_id"] and shown["H0"]["source"] == "cmb"
    warm = optimize_json(run_cli, "cmb", "--model", "lcdm", "--warm-start", "--dry-run")
    assert warm["warm_start"]["used"] is True
    assert first["run_id"] in warm["warm_start"]["reason"]
    cold = optimize_json(
        run_cli, "sn", "--model", "lcdm", "--params", "Om0", "--warm-start", "--dry-run"
    )
    assert cold["warm_start"]["used"] is False
    assert "no previous" in cold["warm_start"]["reason"]


def test_restore_is_recorded_in_history(run_cli, store_dir):
    first = optimize_json(run_cli, "cmb", "--model", "lcdm")
    optimize_json(run_cli, "bao", "--model", "lcdm", "--params", "H0,Om0")
    run_cli("store", "restore", "lcdm", "--run", first["run_id"], check=True)
    shown = json.loads(run_cli("store", "show", "lcdm", "--json", check=True).stdout)["lcdm"]
    assert shown["H0"]["value"] == first["params"]["H0"]
    history = json.loads(run_cli("store", "history", "lcdm", "--json", check=True).stdout)
    assert [r["kind"] for r in history] == ["optimization", "optimization", "restore"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cmb", "--model", "lcdm", "--params", "k_sat"],
            "k_sat is not a parameter of lcdm; parameters: H0, Om0",
        ),
        (
            ["cmb", "--model", "lcdm", "--params", "H0,Om0", "--freeze", "H0"],
            "H0 is both optimized and frozen",
        ),
        (["cmb", "--model", "lcdm", "--params", "Tcmb"], "Tcmb cannot be optimized"),
        (["cmb", "--model", "lcdm", "--set", "Om0=1.5"], "Om0=1.5 is outside its bounds"),
        (["cmb", "--model", "lcdm", "--method", "simplex"], "optimization.method"),
        (["cmb", "--model", "lcdm", "--starts", "0"], "starts"),
    ],
)
def test_invalid_requests_exit_2_and_write_nothing(run_cli, store_dir, args, message):
    proc = run_cli("optimize", *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not store_dir.exists()


def test_model_all_runs_every_model_and_compares_on_the_same_data(run_cli, store_dir):
    from cosmofit.models.registry import available_models

    proc = run_cli("optimize", "cmb", "--model", "all", "--json", check=True)
    payload = json.loads(proc.stdout)
    models = list(available_models())
    assert [r["model"] for r in payload["results"]] == models
    tables = payload["comparison"]["tables"]
    assert len(tables) == len(models) * (len(models) - 1) // 2
    lcdm_pbuf = next(t for t in tables if (t["model_a"], t["model_b"]) == ("lcdm", "pbuf"))
    assert lcdm_pbuf["dataset_tag"] == "cmb"
    assert {row["param"] for row in lcdm_pbuf["rows"]} == {"H0", "Om0", "Obh2"}
    assert payload["comparison"]["warnings"] == []  # no tolerance asked for: no verdict
    assert "differs between" not in proc.stderr
    fit = json.loads(run_cli("fit", "joint", "--model", "all", "--json", check=True).stdout)
    assert [r["model"] for r in fit["results"]] == models


def test_bao_alone_measures_om0_not_h0(run_cli, store_dir):
    """DESI DR1 alone: Om0 = 0.295 +- 0.015 (published); H0 and Obh2 slide along h r_d."""
    result = optimize_json(run_cli, "desi_dr1", "--model", "lcdm", "--dry-run")
    assert result["params"]["Om0"] == pytest.approx(0.295, abs=0.015)
    assert result["errors"]["Om0"] == pytest.approx(0.015, rel=0.1)
    assert {"H0", "Obh2"} <= set(result["unconstrained"]) and "H0" not in result["errors"]
    assert any("BAO alone measure H0*r_d" in w for w in result["warnings"])
    assert result["statistics"]["n_free"] == 2  # h r_d and Om0


@pytest.mark.parametrize("dataset", ["sixdf", "mgs"])
def test_one_bao_point_constrains_nothing(run_cli, store_dir, dataset):
    result = optimize_json(run_cli, dataset, "--model", "lcdm", "--dry-run")
    assert result["errors"] == {}
    assert set(result["unconstrained"]) == {"H0", "Om0", "Obh2"}
    assert result["statistics"]["dof"] == 0


def test_warm_start_falls_back_to_another_model_on_the_same_data(run_cli, store_dir):
    lcdm = optimize_json(run_cli, "cmb", "--model", "lcdm")
    proc = run_cli("optimize", "cmb", "--model", "pbuf", "--warm-start", "--dry-run", check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("start:"))
    assert "no previous run of pbuf on cmb" in line and f"from lcdm run {lcdm['run_id']}" in line
    pbuf = optimize_json(run_cli, "cmb", "--model", "pbuf", "--warm-start", "--dry-run")
    assert pbuf["warm_start"]["used"] is True
    for name in ("H0", "Om0", "Obh2"):
        assert pbuf["start"][name] == lcdm["params"][name]
        assert pbuf["param_source"][name] == "optimized:cmb"
    assert pbuf["start"]["k_sat"] == 0.9762  # pbuf's own parameters keep their defaults
