"""At 80 columns (what a pipe gives) numbers and run ids are never cut or wrapped."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def narrow(cli_env, tmp_path):
    cli_env["COLUMNS"] = "80"
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    return cli_env


def _whole(text: str, *needles: str) -> None:
    assert "…" not in text
    for needle in needles:
        assert needle in text, f"{needle!r} was cut or wrapped"
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80


def test_optimize_history_show_and_restore_keep_ids_and_numbers_whole(run_cli, narrow):
    proc = run_cli("optimize", "cmb", "--model", "pbuf", check=True)
    run_id = next(
        line.split()[-1] for line in proc.stdout.splitlines() if line.startswith("stored as run")
    )
    assert "unconstrained" in proc.stdout and "unconstrain\n" not in proc.stdout
    assert "BIC = " in proc.stdout and not proc.stdout.rstrip().endswith("=")
    stored = json.loads(run_cli("store", "history", "pbuf", "--json", check=True).stdout)[0]
    history = run_cli("store", "history", "pbuf", check=True).stdout
    _whole(history, run_id, f"{stored['chi2_start']:.6g}", f"{stored['chi2']:.6g}")
    show = run_cli("store", "show", "pbuf", check=True).stdout
    _whole(show, run_id, "3.046", f"{stored['final']['H0']:.8g}")
    restored = run_cli("store", "restore", "pbuf", "--run", run_id[:12], check=True)
    assert run_id in restored.stdout  # a prefix is resolved to the full id, shown whole


def test_fit_statistics_never_split_a_number(run_cli, narrow):
    out = run_cli("fit", "cmb,bao,sn", "--model", "pbuf", check=True).stdout
    for line in out.splitlines():
        assert not line.rstrip().endswith("="), line


def test_jackknife_table_fits_80_columns(run_cli, narrow):
    out = run_cli("jackknife", "cmb,bao", "--model", "lcdm", "--scheduler", "none", check=True)
    table = out.stdout.split("shifts above")[0]
    _whole(table, "unconstr.", "at bound", "planck18_priors")
