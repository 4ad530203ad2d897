"""``cosmofit tension`` and ``cosmofit data add --kind prior`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

CAMB = json.loads((Path(__file__).parents[1] / "reference" / "camb_theta_star.json").read_text())


def test_bao_vs_compressed_cmb_tension_is_the_published_bao_against_the_camb_cmb(run_cli):
    """The expected number is built from external pieces only: DESI DR2's published BAO
    constraint (arXiv:2503.14738 eq. 17: Om0 = 0.2975 +- 0.0086, h r_d = 101.54 +- 0.73,
    correlation -0.92) and CAMB's solution of the compressed CMB (massless neutrinos)."""
    proc = run_cli(
        "tension", "desi_dr2", "planck_pr4_compressed", "--compare", "Om0,h_rdrag",
        "--params-a", "H0,Om0", "--params-b", "H0,Om0,Obh2", "--set", "Obh2=0.02218", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    cmb = CAMB["compressed_cmb_lcdm"]
    bao_cov = np.array([[0.0086**2, -0.92 * 0.0086 * 0.73], [-0.92 * 0.0086 * 0.73, 0.73**2]])
    delta = np.array([0.2975, 101.54]) - np.array(cmb["values"][:2])
    chi2 = delta @ np.linalg.solve(bao_cov + np.array(cmb["cov"])[:2, :2], delta)
    expected_sigma = stats.norm.isf(stats.chi2.sf(chi2, 2) / 2)
    assert result["difference"]["dof"] == 2
    assert result["difference"]["sigma"] == pytest.approx(expected_sigma, abs=0.1)
    assert result["b"]["values"]["Om0"] == pytest.approx(cmb["values"][0], rel=1e-3)
    assert result["joint"]["datasets"] == ["desi_dr2", "planck_pr4_compressed"]


def test_tension_table_and_errors(run_cli):
    proc = run_cli("tension", "bao,bbn", "sh0es", "--compare", "H0", "--params", "H0,Om0,Obh2")
    assert proc.returncode == 0, proc.stderr
    assert "A vs B: chi2 =" in proc.stdout and "sigma" in proc.stdout
    assert "(prior)" in proc.stdout and "shift from A to A+B" in proc.stdout
    bad = run_cli("tension", "bao", "bbn", "--compare", "S8")
    assert bad.returncode == 2 and "S8" in bad.stderr and "Traceback" not in bad.stderr


def test_add_a_prior_and_fit_with_it(run_cli):
    added = run_cli(
        "data", "add", "trgb", "--kind", "prior", "--param", "H0", "--mean", "69.8",
        "--sigma", "1.7", "--citation", "Freedman et al. 2019", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    spec = json.loads(added.stdout)
    assert (spec["kind"], spec["n_points"]) == ("prior", 1)
    assert spec["citation"] == "Freedman et al. 2019"
    fit = json.loads(run_cli("fit", "bao,trgb", "--set", "H0=71.5", "--json", check=True).stdout)
    assert fit["chi2"]["trgb"] == pytest.approx(1.0, rel=1e-9)
    assert fit["n_data"] == 14
    assert fit["derived"]["pull[trgb:H0]"] == pytest.approx(1.0)
    listed = {s["name"] for s in json.loads(run_cli("data", "list", "--json").stdout)}
    assert {"trgb", "bbn", "bbn_cooke", "sh0es", "planck_pr4_compressed", "des_dovekie"} <= listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "H0", "--mean", "70", "--sigma", "0"], "sigma > 0"),
        (["--param", "H0", "--mean", "nan", "--sigma", "1"], "must be finite"),
        (["--param", "Hubble", "--mean", "70", "--sigma", "1"], "neither a model parameter"),
        (["--param", "H0", "--mean", "70"], "missing --sigma"),
    ],
)
def test_bad_priors_are_refused_in_one_line(run_cli, args, message):
    proc = run_cli("data", "add", "bad", "--kind", "prior", *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
