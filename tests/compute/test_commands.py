"""The profile and jackknife commands: JSON output, usage errors and Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from toy_sources import PROFILE_KEYS
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.commands._compute import run_directory

REPO = Path(__file__).resolve().parents[2]
OM0 = ["profile", "Om0", "bao", "--model", "lcdm", "--params", "H0", "--set", "Obh2=0.02218"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_profile_json_has_the_documented_keys(tmp_path):
    out = tmp_path / "run"
    flags = [
        "--grid",
        "0.27:0.33:7",
        "--starts",
        "1",
        "--sweeps",
        "1",
        "--scheduler",
        "none",
        "--json",
    ]
    proc = invoke(*OM0, *flags, "--out", str(out))
    assert proc.exit_code == 0, proc.output
    result = json.loads(proc.stdout)
    assert result.keys() >= PROFILE_KEYS
    assert json.loads((out / "profile.json").read_text())["chi2"] == result["chi2"]
    low, high = result["interval_1sigma"]
    assert low < result["best"] < high
    assert result["hessian_sigma"] == pytest.approx((high - low) / 2, rel=0.05)


def test_profile_table(tmp_path):
    flags = ["--grid", "0.28:0.31:4", "--starts", "1", "--sweeps", "0", "--scheduler", "none"]
    proc = invoke(*OM0, *flags, "--out", str(tmp_path / "t"))
    assert proc.exit_code == 0, proc.output
    assert "profile of Om0" in proc.stdout and "Hessian sigma" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "0.3:0.2:5"], "LO must be below HI"),
        (["--grid", "0.27:0.33:5", "--resume"], "--resume needs --out"),
        (["--grid", "0.27:0.33:5", "--scheduler", "mars"], "--scheduler"),
        (["--grid", "0.27:0.33:5", "--set", "Om0=0.3"], "the grid sets it"),
    ],
)
def test_usage_errors_exit_2(args, message):
    proc = invoke(*OM0, *args)
    assert proc.exit_code == 2
    assert message in proc.output


def test_profile_run_directory_defaults_to_the_store_and_store_wins_over_env(tmp_path):
    flags = ["--grid", "0.28:0.31:4", "--starts", "1", "--sweeps", "0", "--scheduler", "none"]
    env = {"COSMOFIT_STORE": str(tmp_path / "from-env")}
    proc = CliRunner().invoke(
        app, [*OM0, *flags, "--store", str(tmp_path / "chosen"), "--json"], env=env
    )
    assert proc.exit_code == 0, proc.output
    out_dir = Path(json.loads(proc.stdout)["out_dir"])
    assert out_dir.parent == tmp_path / "chosen" / "profiles"
    assert re.fullmatch(r"Om0-\d{8}-\d{6}", out_dir.name)
    assert (out_dir / "profile.json").is_file() and (out_dir / "results.jsonl").is_file()
    assert not (tmp_path / "from-env").exists()


def test_jackknife_run_directory_defaults_to_the_store(tmp_path):
    args = ["jackknife", "cmb,bao", "--params", "H0,Om0,Obh2", "--scheduler", "none", "--json"]
    proc = CliRunner().invoke(app, args, env={"COSMOFIT_STORE": str(tmp_path / "store")})
    assert proc.exit_code == 0, proc.output
    out_dir = Path(json.loads(proc.stdout)["out_dir"])
    assert out_dir.parent == tmp_path / "store" / "jackknife"
    assert re.fullmatch(r"lcdm-\d{8}-\d{6}", out_dir.name)
    assert (out_dir / "jackknife.json").is_file()


def test_run_directory_is_only_named_not_created(tmp_path):
    store = str(tmp_path / "store")
    given = tmp_path / "mine"
    assert run_directory(given, resume=True, store=store, kind="profiles", stem="Om0") == given
    first = run_directory(None, resume=False, store=store, kind="profiles", stem="Om0")
    assert first.parent == tmp_path / "store" / "profiles" and not first.exists()
    first.mkdir(parents=True)  # a run started within the same second
    second = run_directory(None, resume=False, store=store, kind="profiles", stem="Om0")
    assert second != first and second.parent == first.parent
    odd = run_directory(None, resume=False, store=store, kind="jackknife", stem="../a b")
    assert odd.parent == tmp_path / "store" / "jackknife" and odd.name.startswith("_a_b-")


def test_jackknife_json(tmp_path):
    args = [
        "jackknife",
        "cmb,bao",
        "--model",
        "lcdm",
        "--params",
        "H0,Om0,Obh2",
        "--scheduler",
        "none",
        "--json",
    ]
    proc = invoke(*args, "--out", str(tmp_path / "jk"))
    assert proc.exit_code == 0, proc.output
    result = json.loads(proc.stdout)
    labels = [row["label"] for row in result["leave_outs"]]
    assert labels == ["without planck18_priors", "without desi_dr2"]
    assert set(result["errors"]) == {"H0", "Om0", "Obh2"}


def test_ctrl_c_cancels_closes_the_cluster_and_prints_the_resume_command(tmp_path):
    out = tmp_path / "run[/bold]"  # a path that looks like terminal markup is printed as is
    flags = ["--grid", "0.27:0.33:13", "--starts", "2", "--scheduler", "local", "--workers", "2"]
    command = [sys.executable, "-m", "cosmofit.cli", *OM0, *flags]
    command += ["--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and len(results.read_text().splitlines()) >= 3:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole process group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "continue with: cosmofit" in stderr and "--resume" in stderr
    assert f"--out {out}" in stderr or str(out) in stderr
    assert "Traceback" not in stderr
    recorded = len(results.read_text().splitlines())
    assert recorded >= 3
    assert not (out / "dask-scratch").exists()

    resumed = invoke(*command[3:], "--resume", "--scheduler", "none", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["resumed"] == recorded
