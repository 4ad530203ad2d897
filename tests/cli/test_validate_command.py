"""``cosmofit validate`` on a fresh install, after optimizations, and on a corrupted store."""

from __future__ import annotations

import json


def test_fresh_install_passes(run_cli, cli_env, tmp_path):
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    proc = run_cli("validate", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["ok"] is True
    assert {row["name"]: row["status"] for row in payload["rows"]} == {
        "config": "ok",
        "data": "ok",
        "store": "ok",
        "report": "ok",
    }
    assert not (tmp_path / "store").exists()


def test_regression_reproduces_stored_runs(run_cli, cli_env, tmp_path):
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    run_cli("optimize", "cmb", "--model", "lcdm", check=True)
    run_cli("optimize", "cmb,bao", "--model", "pbuf", "--params", "H0,Om0,Obh2,k_sat", check=True)
    proc = run_cli("validate", "--regression", "--json")
    payload = json.loads(proc.stdout)
    rows = {row["name"]: row for row in payload["rows"]}
    assert rows["regression"]["status"] == "ok", rows["regression"]
    assert proc.returncode == 0


def test_corrupted_store_fails_naming_file_and_fix(run_cli, cli_env, tmp_path):
    store = tmp_path / "store"
    cli_env["COSMOFIT_STORE"] = str(store)
    run_cli("optimize", "cmb", "--model", "lcdm", check=True)
    (store / "lcdm.json").write_text('{"schema_version": 1, "model": "lcdm", "trunc')
    before = (store / "lcdm.json").read_bytes()
    proc = run_cli("validate")
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("store: store file") and "lcdm.json" in line
    assert "cosmofit store restore lcdm" in line
    assert (store / "lcdm.json").read_bytes() == before  # validate never writes


def test_bad_config_fails_the_config_row(run_cli, cli_env, tmp_path):
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    config = tmp_path / "bad.toml"
    config.write_text("[optimization]\nstarts = 0\n")
    proc = run_cli("--config", str(config), "validate", "--json")
    assert proc.returncode == 1
    rows = {row["name"]: row for row in json.loads(proc.stdout)["rows"]}
    assert (
        rows["config"]["status"] == "failed" and "optimization.starts" in rows["config"]["summary"]
    )


def test_config_show_names_sources(run_cli, cli_env, tmp_path):
    config = tmp_path / "study.toml"
    config.write_text('[optimization]\nmethod = "Powell"\n')
    cli_env["COSMOFIT_OPTIMIZATION__STARTS"] = "4"
    payload = json.loads(
        run_cli("--config", str(config), "config", "show", "--json", check=True).stdout
    )
    assert payload["settings"]["optimization.method"] == "Powell"
    assert payload["sources"]["optimization.method"].startswith("--config")
    assert payload["settings"]["optimization.starts"] == 4
    assert payload["sources"]["optimization.starts"] == "environment"
    assert payload["sources"]["run.model"] == "default"


def test_report_numbers_are_checked(run_cli, cli_env, tmp_path):
    store = tmp_path / "store"
    cli_env["COSMOFIT_STORE"] = str(store)
    run_cli("optimize", "cmb", "--model", "lcdm", check=True)
    run_cli("report", "--html", check=True)
    rows = {r["name"]: r for r in json.loads(run_cli("validate", "--json").stdout)["rows"]}
    assert rows["report"]["status"] == "ok", rows["report"]
    page = store / "reports" / "cosmofit_report.html"
    text = page.read_text()
    marker = 'data-key="/models/lcdm/last_optimization/chi2_start"'
    assert marker in text
    start = text.index(marker)
    value_at = text.index('data-value="', start) + len('data-value="')
    page.write_text(text[:value_at] + "9" + text[value_at:])  # tamper with one number
    proc = run_cli("validate", "--json")
    rows = {r["name"]: r for r in json.loads(proc.stdout)["rows"]}
    assert proc.returncode == 1 and rows["report"]["status"] == "failed"
    run_cli("optimize", "bao", "--model", "lcdm", "--params", "Om0", check=True)
    run_cli("report", "--html", check=True)
    run_cli("optimize", "cmb", "--model", "lcdm", check=True)  # the page is now out of date
    rows = {r["name"]: r for r in json.loads(run_cli("validate", "--json").stdout)["rows"]}
    assert rows["report"]["status"] == "warning"


def test_regression_explains_runs_made_under_an_earlier_cmb_convention(run_cli, cli_env, tmp_path):
    store = tmp_path / "store"
    cli_env["COSMOFIT_STORE"] = str(store)
    run_cli("optimize", "cmb,sixdf", "--model", "lcdm", "--params", "H0,Om0,Obh2", check=True)
    history = store / "lcdm.history.jsonl"
    record = json.loads(history.read_text().splitlines()[-1])
    assert record["provenance"]["conventions"] == {
        "planck18_priors": "chen2019-authors-recipe",
        "sixdf": "rd_rescale=1.027369826",
    }
    # The same run as an earlier release stored it: no conventions recorded, and the
    # CMB best fit of the full-physics sound horizon (H0 67.71 rather than 67.29).
    del record["provenance"]["conventions"]
    record["final"]["H0"] += 0.42
    history.write_text(json.dumps(record) + "\n")
    proc = run_cli("validate", "--regression", "--json")
    rows = {row["name"]: row for row in json.loads(proc.stdout)["rows"]}
    regression = rows["regression"]
    assert regression["status"] == "warning", regression
    summary = regression["summary"]
    assert "planck18_priors: an earlier convention (not recorded) -> chen2019-authors-recipe" in (
        summary
    )
    assert "sixdf: an earlier convention (not recorded) -> rd_rescale=1.027369826" in summary
    assert "differ by design" in summary
    assert "cosmofit optimize planck18_priors,sixdf --model lcdm" in summary
    assert proc.returncode == 0


def test_convention_changes_lists_only_what_moved():
    from cosmofit.validation import convention_changes

    now = {"planck18_priors": "chen2019-authors-recipe"}
    assert convention_changes(dict(now), now) == []
    assert convention_changes({}, now) == ["planck18_priors: none -> chen2019-authors-recipe"]
    assert convention_changes(None, {}) == []
    assert convention_changes({"sixdf": "rd_rescale=1.1"}, {}) == ["sixdf: rd_rescale=1.1 -> none"]
