"""Sampling runs survive Ctrl-C and lost workers: the chains end as an undisturbed run's.

Real processes, real signals: the CLI is interrupted with SIGINT and resumed,
and a worker of a local Dask cluster is SIGKILLed while it runs a segment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cosmofit.compute.engine import ComputeOptions
from cosmofit.fitting.sample import STATE_FILE, SampleSettings, run_sampling

ARGS = ("sample", "cmb,bao,sn", "--params", "H0,Om0,Obh2", "--chains", "2", "--walkers", "12")


def chains_of(directory: Path, n: int = 2) -> list[bytes]:
    return [(directory / f"chain_{i}.txt").read_bytes() for i in range(1, n + 1)]


def recorded_states(directory: Path) -> list[dict]:
    path = directory / STATE_FILE
    lines = path.read_bytes().split(b"\n") if path.exists() else []
    return [json.loads(line) for line in lines[:-1]]  # complete lines only


def wait_for_states(directory: Path, count: int, timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = recorded_states(directory)
        if len(states) >= count:
            return states
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} segments recorded in {timeout} s")


def test_sigint_then_resume_gives_the_chains_of_an_undisturbed_run(run_cli, cli_env, tmp_path):
    clean, hit = tmp_path / "clean", tmp_path / "hit"
    steps = ("--steps", "200", "--scheduler", "none")
    run_cli(*ARGS, *steps, "--out", str(clean), "--json", check=True)

    exe = shutil.which("cosmofit")
    command = [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]
    proc = subprocess.Popen(
        [*command, *ARGS, *steps, "--out", str(hit)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_states(hit, 3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "continue with: cosmofit" in err and "--resume" in err and "Traceback" not in err
    done = len(recorded_states(hit))
    assert 3 <= done < 8  # interrupted mid-run (8 segments in all)

    resumed = run_cli(*ARGS, *steps, "--out", str(hit), "--resume", "--json", check=True)
    assert json.loads(resumed.stdout)["resumed_segments"] >= 3
    assert chains_of(hit) == chains_of(clean)


def kill_a_busy_worker(directory: Path, killed: list[int]) -> None:
    """After the first segment, SIGKILL the worker that ran it while it runs its next one."""
    first = wait_for_states(directory, 1)[0]
    pid = int(first["worker"].rsplit(":", 1)[1])
    assert pid != os.getpid()
    time.sleep(0.1)  # well inside its next segment (each takes a few tenths of a second)
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


@pytest.mark.slow
def test_a_killed_dask_worker_changes_no_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("COSMOFIT_STORE", str(tmp_path / "store"))
    settings = SampleSettings(
        datasets=["cmb", "bao", "sn"], params=["H0", "Om0", "Obh2"], chains=2, walkers=12, steps=200
    )
    run_sampling(settings, ComputeOptions(scheduler="none", out_dir=tmp_path / "clean"))
    killed: list[int] = []
    out = tmp_path / "killed"
    killer = threading.Thread(target=kill_a_busy_worker, args=(out, killed), daemon=True)
    killer.start()
    result = run_sampling(
        settings.model_copy(), ComputeOptions(scheduler="local", workers=2, out_dir=out)
    )
    killer.join(timeout=5)
    assert killed, "no worker was killed during the run"
    assert "local cluster" in result.scheduler
    workers = {s["worker"] for s in recorded_states(out)}
    assert len(workers) >= 2
    assert chains_of(out) == chains_of(tmp_path / "clean")
