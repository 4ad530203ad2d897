"""The rollback procedure of docs/deployment.md, step by step, with real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys


def run(env, *args, expect=0):
    exe = shutil.which("cosmofit")
    argv = ([exe] if exe else [sys.executable, "-m", "cosmofit.cli"]) + list(args)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, f"{args}: {proc.returncode}\n{proc.stderr}"
    return proc


def test_rollback_procedure(tmp_path):
    env = dict(
        os.environ,
        COSMOFIT_STORE=str(tmp_path / "store"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path),
    )
    good = json.loads(
        run(env, "optimize", "cmb", "--model", "lcdm", "--params", "H0,Om0,Obh2", "--json").stdout
    )
    bad = json.loads(
        run(
            env,
            "optimize",
            "bao",
            "--model",
            "lcdm",
            "--params",
            "Om0",
            "--set",
            "Obh2=0.05",
            "--json",
        ).stdout
    )
    assert bad["params"]["Om0"] != good["params"]["Om0"]
    # the deployment check passes before the rollback...
    assert json.loads(run(env, "validate", "--regression", "--json").stdout)["ok"]
    # roll back to the good run, by run id
    run(env, "store", "restore", "lcdm", "--run", good["run_id"])
    shown = json.loads(run(env, "store", "show", "lcdm", "--json").stdout)["lcdm"]
    assert {n: e["value"] for n, e in shown.items()} == good["params"]
    history = json.loads(run(env, "store", "history", "lcdm", "--json").stdout)
    assert [r["kind"] for r in history] == ["optimization", "optimization", "restore"]
    # the rollback itself can be undone from a backup
    backups = json.loads(run(env, "store", "backups", "lcdm", "--json").stdout)
    run(env, "store", "restore", "lcdm", "--backup", backups[-2])
    shown = json.loads(run(env, "store", "show", "lcdm", "--json").stdout)["lcdm"]
    assert shown["Om0"]["value"] == bad["params"]["Om0"]
    # ...and after it
    report = json.loads(run(env, "validate", "--regression", "--json").stdout)
    assert report["ok"], report


def test_provenance_names_the_commit_or_says_there_is_none(monkeypatch):
    from cosmofit import provenance as prov

    args = dict(
        settings={}, dataset_sha256={}, method="L-BFGS-B", options={}, cov_scale=1.0,
        started="2026-01-01T00:00:00Z", finished="2026-01-01T00:00:01Z", wall_s=1.0, nfev=1,
        message="ok",
    )  # fmt: skip
    record = prov.provenance(**args)
    commit = prov.git_commit()
    assert record["git_commit"] == (commit or prov.NOT_A_GIT_BUILD)
    assert record["git_commit"]  # never empty
    prov.git_commit.cache_clear()
    monkeypatch.setattr(prov.Path, "exists", lambda self: False)
    assert prov.git_commit() is None
    assert prov.provenance(**args)["git_commit"] == prov.NOT_A_GIT_BUILD
    prov.git_commit.cache_clear()
