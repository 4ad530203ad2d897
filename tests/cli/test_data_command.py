"""``cosmofit data list|info|add`` end to end."""

from __future__ import annotations

import json

import pytest


def test_list_shows_every_builtin_dataset(run_cli):
    specs = json.loads(run_cli("data", "list", "--json", check=True).stdout)
    names = {spec["name"]: spec for spec in specs}
    assert {
        "planck18_priors",
        "desi_dr2",
        "desi_dr1",
        "sdss_dr12",
        "sixdf",
        "mgs",
        "union3",
        "pantheon+",
    } <= set(names)
    assert names["pantheon+"]["n_points"] == 1590 and "2202.04077" in names["pantheon+"]["citation"]
    table = run_cli("data", "list", check=True).stdout
    assert "pantheon+" in table and "desi_dr2" in table


def test_info_verifies_and_reports(run_cli):
    info = json.loads(run_cli("data", "info", "bao", "--json", check=True).stdout)
    assert info["name"] == "desi_dr2" and info["verified"] is True
    assert info["redshift_range"] == [0.295, 2.33]


def test_info_unknown_name(run_cli):
    proc = run_cli("data", "info", "pantheon")
    assert proc.returncode == 2 and "did you mean" in proc.stderr


def test_add_user_dataset_from_release_files(run_cli, shared_data, cli_env):
    folder = shared_data / "bao_boss_dr12"
    proc = run_cli(
        "data",
        "add",
        "mybao",
        "--kind",
        "bao",
        "--from",
        str(folder / "sdss_DR12_LRG_BAO_DMDH.dat"),
        "--from",
        str(folder / "sdss_DR12_LRG_BAO_DMDH_covtot.txt"),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    fit = json.loads(run_cli("fit", "mybao", "--json", check=True).stdout)
    builtin = json.loads(run_cli("fit", "sdss_dr12", "--json", check=True).stdout)
    assert fit["chi2"]["total"] == pytest.approx(builtin["chi2"]["total"], rel=1e-12)


def test_add_refuses_a_broken_file(run_cli, tmp_path):
    mean = tmp_path / "mean.txt"
    cov = tmp_path / "cov.txt"
    mean.write_text("0.5 13.0 DM_over_rs\n0.5 22.0 DH_over_rs\n")
    cov.write_text("1.0 2.0\n2.0 1.0\n")  # not positive definite
    proc = run_cli(
        "data", "add", "broken", "--kind", "bao", "--from", str(mean), "--from", str(cov)
    )
    assert proc.returncode == 1
    assert "positive definite" in proc.stderr and "Traceback" not in proc.stderr


def test_user_text_that_looks_like_markup_is_printed_literally(run_cli, tmp_path):
    mean, cov = tmp_path / "mean.txt", tmp_path / "cov.txt"
    mean.write_text("0.5 13.0 DM_over_rs\n0.5 22.0 DH_over_rs\n")
    cov.write_text("1 0\n0 1\n")
    citation = "[/bold] [red]Me[/red] et al. \\"
    args = ["data", "add", "mk", "--kind", "bao", "--from", str(mean), "--from", str(cov)]
    run_cli(*args, "--citation", citation, check=True)
    listing = run_cli("data", "list")
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    # the citation column wraps at 80 columns: compare with the table's line breaks removed
    cells = "".join(
        line.split("│")[-2].strip() for line in listing.stdout.splitlines() if line.count("│") > 2
    )
    assert "[/bold][red]Me[/red]" in cells.replace(" ", "")
    info = run_cli("data", "info", "mk")
    assert info.returncode == 0 and "[/bold] [red]Me[/red] et al. \\" in info.stdout
