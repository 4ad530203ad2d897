"""Sampling runs in the report: evidence wording, comparability, and the rendered section."""

from __future__ import annotations

import json

import pytest

from cosmofit.report.samples import evidence_table, jeffreys


@pytest.mark.parametrize(
    ("ln_b", "error", "expected"),
    [
        (0.8, 0.1, "inconclusive: neither model is favoured"),
        (-0.99, 0.05, "inconclusive: neither model is favoured"),
        (1.5, 0.1, "weak evidence for wcdm"),
        (1.5, 2.0, "inconclusive: neither model is favoured"),  # within its error of zero
        (-3.0, 0.1, "moderate evidence for lcdm"),
        (7.0, 0.1, "strong evidence for wcdm"),
    ],
)
def test_jeffreys_wording_never_prefers_below_one(ln_b, error, expected):
    text = jeffreys(ln_b, error, "wcdm", "lcdm")
    assert text == expected
    if abs(ln_b) < 1:
        assert "prefer" not in text and "evidence for" not in text


def nested(model, log_z, error, priors, datasets=("desi_dr2",), run="r"):
    return {
        "sampler": "nested",
        "model": model,
        "datasets": list(datasets),
        "priors": priors,
        "log_z": log_z,
        "log_z_error": error,
        "run": run,
    }


def test_evidence_table_compares_same_data_and_same_priors_only():
    shared = {"H0": "U[50, 90]", "Om0": "U[0.1, 0.5]"}
    runs = [
        nested("lcdm", -10.0, 0.03, shared),
        nested("wcdm", -11.2, 0.04, {**shared, "w": "U[-2, 0]"}),
        nested("pbuf", -9.0, 0.05, {"H0": "U[20, 150]", "Om0": "U[0.1, 0.5]"}),
        nested("wcdm", -5.0, 0.04, {**shared, "w": "U[-2, 0]"}, datasets=("pantheon+",)),
    ]
    rows = {(tuple(r["datasets"]), r["model"]): r for r in evidence_table(runs)}
    wcdm = rows[(("desi_dr2",), "wcdm")]
    assert wcdm["ln_b"] == pytest.approx(-1.2) and wcdm["ln_b_error"] == pytest.approx(0.05)
    assert wcdm["verdict"] == "weak evidence for lcdm"
    assert rows[(("desi_dr2",), "lcdm")]["verdict"] == "reference"
    assert rows[(("desi_dr2",), "pbuf")]["verdict"].startswith("not comparable")
    assert rows[(("pantheon+",), "wcdm")]["verdict"] == "reference"  # alone on its data


def test_report_shows_sample_runs_with_checked_values(run_cli_env, tmp_path):
    run = run_cli_env
    out = tmp_path / "run"
    run(
        "sample",
        "bao",
        "--params",
        "H0,Om0,Obh2",
        "--chains",
        "2",
        "--walkers",
        "12",
        "--steps",
        "40",
        "--out",
        str(out),
        "--json",
    )
    report = tmp_path / "report"
    run("report", "--html", "--out", str(report))
    page = (report / "cosmofit_report.html").read_text()
    section = page[page.index('<section id="samples">') :]
    assert "NOT converged" in section  # 40 steps: the page says so
    assert section.count("<svg") >= 2  # triangle plot and marginals
    assert 'data-key="/samples/0/marginals/Om0/mean"' in section
    summary = json.loads((report / "optimization_summary.json").read_text())
    assert summary["samples"][0]["directory"] == str(out)

    from cosmofit.report.verify import check_report

    assert check_report(report / "cosmofit_report.html", report / "optimization_summary.json") == []


@pytest.fixture
def run_cli_env(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    env = dict(os.environ, COSMOFIT_STORE=str(tmp_path / "store"), HOME=str(tmp_path / "home"))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / ".config")

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "cosmofit.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        return proc

    return run
