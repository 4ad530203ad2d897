"""With no config file and no optimization flags, `fit` behaves exactly as it always has.

These numbers pin cosmofit's own output on the embedded datasets at the built-in
defaults (their physical correctness is tested elsewhere, against CAMB, astropy
and published fits); a change here means existing users' results changed.
"""

from __future__ import annotations

import json

import pytest

PINNED = [
    # cmb and sixdf re-pinned when the CMB priors began to follow their authors' recipe
    # (was 111.542 / 40.402) and 6dFGS its EH98 r_d rescale (was 0.7967 / 0.7516).
    ("lcdm", "cmb", 0.5621005776336987),
    ("lcdm", "bao", 32.38932524805533),
    ("lcdm", "sn", 1403.754157628864),
    ("lcdm", "desi_dr1", 22.06304469148992),
    ("lcdm", "sdss_dr12", 3.0947920472960404),
    ("lcdm", "sixdf", 0.09236924590977841),
    ("lcdm", "mgs", 0.7473073733433413),
    ("lcdm", "union3", 26.39292628028911),
    ("pbuf", "cmb", 24.22405027243351),
    ("pbuf", "bao", 28.890187707278603),
    ("pbuf", "sn", 1403.7544970326126),
    ("pbuf", "desi_dr1", 20.751928776304528),
    ("pbuf", "sdss_dr12", 2.7694613425718027),
    ("pbuf", "sixdf", 0.07707326307289837),
    ("pbuf", "mgs", 0.8010545321187856),
    ("pbuf", "union3", 26.393362970123437),
]


def test_fit_outputs_are_pinned(tmp_path):
    from typer.testing import CliRunner

    from cosmofit.cli import app

    runner = CliRunner()
    env = {"COSMOFIT_STORE": str(tmp_path / "store"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for model, dataset, chi2 in PINNED:
        result = runner.invoke(app, ["fit", dataset, "--model", model, "--json"], env=env)
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert payload["chi2"]["total"] == pytest.approx(chi2, rel=1e-10), (model, dataset)
        assert set(payload["param_source"].values()) == {"default"}
    assert not (tmp_path / "store").exists()


def test_set_overrides_keep_working(run_cli):
    proc = run_cli("fit", "cmb", "--set", "H0=67.7", "--set", "Om0=0.316", "--json", check=True)
    payload = json.loads(proc.stdout)
    assert payload["params"]["H0"] == 67.7 and payload["param_source"]["Om0"] == "override"
