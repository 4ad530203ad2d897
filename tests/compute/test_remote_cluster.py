"""A real ``dask scheduler`` and ``dask worker`` (CLI subprocesses) behind --scheduler ADDRESS."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from toy_sources import MU_SIGMA, gaussian_3d, gaussian_request
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.compute.engine import ComputeOptions
from cosmofit.compute.objectives import GaussianSource
from cosmofit.compute.starts import engine_starts
from cosmofit.fitting.optimizer import ParameterOptimizer
from cosmofit.fitting.profile import run_profile

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster_address(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with one single-threaded worker."""
    if not DASK.exists():
        pytest.skip("the dask command is not installed beside this Python")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(REPO))  # cosmofit on the scheduler and the worker
    logs = tmp_path_factory.mktemp("dask-logs")
    commands = [
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        [str(DASK), "worker", address, *["--nthreads", "1", "--nworkers", "1", "--no-dashboard"]]
        + ["--local-directory", str(logs / "scratch")],
    ]
    processes = []
    try:
        for i, command in enumerate(commands):
            log = (logs / f"{i}.log").open("w")
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
            if i == 0:
                wait_for_port(port)
        from distributed import Client

        with Client(address, timeout="20s") as client:
            client.wait_for_workers(1, timeout=30)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the dask scheduler did not open port {port}")


def test_gaussian_profile_on_an_existing_cluster(cluster_address, tmp_path):
    result = run_profile(
        gaussian_request(starts=1, sweeps=1),
        ComputeOptions(scheduler=cluster_address, out_dir=tmp_path / "run"),
    )
    mu, sigma = MU_SIGMA
    assert result.interval_1sigma == pytest.approx([mu - sigma, mu + sigma], abs=1e-3)
    assert result.scheduler == f"cluster at {cluster_address} (1 workers)"
    workers = {json.loads(line)["worker"] for line in (tmp_path / "run/results.jsonl").open()}
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)


def test_profile_command_with_a_scheduler_address(cluster_address, tmp_path):
    out = tmp_path / "om0"
    args = "profile Om0 bao --model lcdm --params H0 --set Obh2=0.02218 --grid 0.28:0.31:4"
    args += " --starts 1 --sweeps 1 --json"
    proc = CliRunner().invoke(
        app, [*args.split(), "--scheduler", cluster_address, "--out", str(out)]
    )
    assert proc.exit_code == 0, proc.output
    result = json.loads(proc.stdout)
    assert result["scheduler"].startswith(f"cluster at {cluster_address}")
    assert result["failed"] == []
    assert 0.28 < result["best"] < 0.31
    assert (out / "profile.json").is_file()


def test_optimizer_starts_on_the_cluster_equal_the_local_loop(cluster_address):
    source: GaussianSource = gaussian_3d()
    objective = source.build()

    def optimizer():
        return ParameterOptimizer(objective.chi2, source.specs(), starts=3, seed=5)

    start = {"x": 0.0, "y": 0.0, "z": 0.5}
    here = optimizer().run(start)
    remote_optimizer = optimizer()
    with engine_starts(source, remote_optimizer, ComputeOptions(scheduler=cluster_address)) as m:
        assert m is not None
        there = remote_optimizer.run(start, map_starts=m)
    assert there.best == here.best and there.chi2 == here.chi2
    assert [s.chi2 for s in there.starts] == [s.chi2 for s in here.starts]
    assert there.nfev == here.nfev


@pytest.fixture
def scheduler_without_workers(tmp_path):
    """``tcp://127.0.0.1:PORT`` of a scheduler whose workers are all gone (none started)."""
    if not DASK.exists():
        pytest.skip("the dask command is not installed beside this Python")
    port = free_port()
    command = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with (tmp_path / "scheduler.log").open("w") as log:
        process = subprocess.Popen([*command, "--no-dashboard"], env=env, stdout=log, stderr=log)
    try:
        wait_for_port(port)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_cluster_without_workers_times_out_with_a_message(
    scheduler_without_workers, tmp_path, monkeypatch
):
    monkeypatch.setenv("COSMOFIT_COMPUTE__WORKER_TIMEOUT", "2")
    out = tmp_path / "om0"
    args = "profile Om0 bao --model lcdm --params H0 --grid 0.28:0.31:3 --starts 1 --sweeps 0"
    began = time.monotonic()
    proc = CliRunner().invoke(
        app, [*args.split(), "--scheduler", scheduler_without_workers, "--out", str(out)]
    )
    assert time.monotonic() - began < 60
    assert proc.exit_code == 1, proc.output
    assert proc.exception is None or isinstance(proc.exception, SystemExit)
    message = proc.stderr.strip()
    assert "no Dask worker was alive" in message and "worker_timeout" in message
    assert len(message.splitlines()) == 1
