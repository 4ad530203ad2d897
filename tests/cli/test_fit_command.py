"""``cosmofit fit`` end to end: tables, JSON keys, exit codes, one-line errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

FIT_KEYS = {"model", "datasets", "params", "param_source", "chi2", "n_data", "derived"}


def test_fit_json_has_the_stable_keys(run_cli):
    proc = run_cli("fit", "cmb,bao,sn", "--model", "lcdm", "--json", check=True)
    result = json.loads(proc.stdout)
    assert set(result) >= FIT_KEYS
    assert result["datasets"] == ["planck18_priors", "desi_dr2", "pantheon+"]
    assert result["n_data"] == 3 + 13 + 1590
    assert set(result["chi2"]) == {"planck18_priors", "desi_dr2", "pantheon+", "total"}
    assert math.isclose(
        result["chi2"]["total"], sum(v for k, v in result["chi2"].items() if k != "total")
    )
    assert result["param_source"]["H0"] == "default"
    assert "M_best[pantheon+]" in result["derived"]


def test_fit_override_is_reported_as_override(run_cli):
    proc = run_cli("fit", "cmb", "--set", "H0=68", "--json", check=True)
    result = json.loads(proc.stdout)
    assert result["params"]["H0"] == 68.0
    assert result["param_source"]["H0"] == "override"
    assert result["param_source"]["Om0"] == "default"


def test_fit_table_mentions_every_dataset(run_cli):
    proc = run_cli("fit", "joint", "--model", "pbuf", check=True)
    for word in ("planck18_priors", "desi_dr2", "pantheon+", "total", "k_sat", "r_drag"):
        assert word in proc.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["fit", "cmb", "--model", "lcdm", "--set", "k_sat=1"],
            2,
            "k_sat is not a parameter of lcdm",
        ),
        (["fit", "cmb", "--set", "H0=5"], 2, "outside its bounds"),
        (["fit", "cmb", "--set", "H0"], 2, "is not NAME=VALUE"),
        (["fit", "cmb", "--set", "H0=abc"], 2, "is not a number"),
        (["fit", "cmb", "--set", "H0=nan"], 2, "finite"),
        (["fit", "desi_dr3"], 2, "did you mean 'desi_dr2'"),
        (["fit", "cmb", "--model", "pbfu"], 2, "did you mean pbuf"),
        (["fit", "cmb", "--cov-scale", "0"], 2, "covariance_scaling"),
    ],
)
def test_bad_input_gives_one_line_error_and_exit_code(run_cli, args, code, message):
    proc = run_cli(*args)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback(run_cli):
    proc = run_cli("--debug", "fit", "cmb", "--set", "H0=5")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_help_and_version_do_not_import_numpy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cosmofit.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['fit', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_version(run_cli):
    from cosmofit import __version__

    proc = run_cli("--version", check=True)
    assert proc.stdout.strip() == f"cosmofit {__version__}"


def test_save_with_set_stores_the_values_the_optimum_was_conditioned_on(run_cli):
    """fit bao --optimize H0,Om0 --set Obh2=0.02218 --save: the stored defaults keep that
    Obh2 (tagged), so the next fit uses a coherent point, and restore brings it back too."""
    import json

    proc = run_cli(
        "fit", "bao", "--optimize", "H0,Om0", "--set", "Obh2=0.02218", "--save", "--json",
        check=True,
    )  # fmt: skip
    result = json.loads(proc.stdout)
    assert result["optimization"]["conditioned_on"] == ["Obh2"]
    assert any("conditioned on: Obh2" in w for w in result["warnings"])
    shown = json.loads(run_cli("store", "show", "lcdm", "--json", check=True).stdout)["lcdm"]
    assert shown["Obh2"]["value"] == 0.02218 and shown["Obh2"]["source"] == "bao (--set)"
    refit = json.loads(run_cli("fit", "bao", "--json", check=True).stdout)
    assert refit["chi2"]["total"] == pytest.approx(result["chi2"]["total"], abs=1e-8)
