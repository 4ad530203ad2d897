"""Lost workers, tasks that kill their workers, and resuming from a damaged results.jsonl."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from toy_sources import MU_SIGMA, SlowGaussian, WorkerKiller, gaussian_request

from cosmofit.compute.backends import DaskBackend
from cosmofit.compute.engine import ComputeOptions
from cosmofit.compute.journal import RESULTS_FILE
from cosmofit.errors import DataError, UsageError
from cosmofit.fitting.profile import run_profile

#: What must not depend on where or in how many attempts the tasks ran.
SAME_FIELDS = [
    "grid",
    "chi2",
    "delta_chi2",
    "nuisance",
    "chi2_by_dataset",
    "best",
    "interval_1sigma",
    "interval_2sigma",
    "hessian_sigma",
    "outliers",
    "sweeps_done",
]


def records(out: Path) -> dict[str, dict]:
    return {r["key"]: r for r in map(json.loads, (out / RESULTS_FILE).read_text().splitlines())}


def same_profile(a, b) -> None:
    for name in SAME_FIELDS:
        assert getattr(a, name) == getattr(b, name), name


def kill_a_busy_worker(out: Path, after: int, killed: list[int]) -> None:
    """Once ``after`` results are recorded, SIGKILL the worker that sent the latest one,
    a moment later: it has its next task by then (tasks last tens of milliseconds)."""
    path = out / RESULTS_FILE
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= after:
            pid = int(json.loads(lines[-1])["worker"].rsplit(":", 1)[1])
            assert pid != os.getpid()
            time.sleep(0.015)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.005)


def test_a_worker_killed_mid_run_changes_nothing(tmp_path):
    request = gaussian_request(SlowGaussian(), grid=(0.3, 0.7, 7), starts=2, sweeps=1)
    clean = run_profile(request, ComputeOptions(scheduler="none", out_dir=tmp_path / "clean"))

    out = tmp_path / "killed"
    killed: list[int] = []
    killer = threading.Thread(target=kill_a_busy_worker, args=(out, 4, killed), daemon=True)
    killer.start()
    hit = run_profile(request, ComputeOptions(scheduler="local", workers=2, out_dir=out))
    killer.join(timeout=5)

    assert killed, "no worker was killed during the run"
    assert hit.failed == [] and clean.failed == []
    same_profile(hit, clean)
    mine, theirs = records(out), records(tmp_path / "clean")
    assert mine.keys() == theirs.keys()
    for key, record in mine.items():
        assert (record["chi2"], record["params"]) == (theirs[key]["chi2"], theirs[key]["params"])
    later = [r["worker"] for r in list(mine.values())[4:]]
    assert all(not w.endswith(f":{killed[0]}") for w in later[2:])  # the dead worker is gone


def test_a_task_that_kills_every_worker_is_recorded_as_failed(tmp_path):
    request = gaussian_request(grid=(0.3, 0.7, 5), starts=1, sweeps=0)
    request = request.model_copy(update={"source": WorkerKiller(kill_at=request.grid[1])})
    out = tmp_path / "run"
    result = run_profile(request, ComputeOptions(scheduler="local", workers=2, out_dir=out))

    assert [f.key for f in result.failed] == ["grid/1/0"]
    assert result.failed[0].value == request.grid[1]
    assert "KilledWorker" in result.failed[0].reason
    assert result.chi2[1] is None
    others = [c for i, c in enumerate(result.chi2) if i != 1]
    assert all(c is not None for c in others)
    mu, sigma = MU_SIGMA
    for x, delta in zip(result.grid, result.delta_chi2, strict=True):
        if delta is not None:
            assert delta == pytest.approx(((x - mu) / sigma) ** 2, abs=1e-6)
    assert records(out)["grid/1/0"]["status"] == "failed"


def test_truncated_results_resume_without_recomputing(tmp_path):
    out = tmp_path / "run"
    request = gaussian_request(starts=2, sweeps=1)
    first = run_profile(request, ComputeOptions(scheduler="none", out_dir=out))
    path = out / RESULTS_FILE
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == first.tasks
    # a crash mid-write: the last two records are lost, the one before is cut in half
    path.write_text("".join(lines[:-3]) + lines[-3][: len(lines[-3]) // 2])

    again = run_profile(request, ComputeOptions(scheduler="none", out_dir=out, resume=True))
    assert again.resumed == first.tasks - 3
    assert again.tasks == first.tasks
    same_profile(again, first)
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == [
        json.loads(line)["key"] for line in lines
    ]


def test_a_finished_run_resumes_without_starting_a_cluster(tmp_path, monkeypatch):
    out = tmp_path / "run"
    request = gaussian_request(starts=1, sweeps=1)
    first = run_profile(request, ComputeOptions(scheduler="none", out_dir=out))

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started although every task is recorded")

    monkeypatch.setattr(DaskBackend, "local", no_cluster)
    again = run_profile(request, ComputeOptions(scheduler="local", out_dir=out, resume=True))
    assert again.resumed == again.tasks == first.tasks
    same_profile(again, first)


def test_an_existing_run_is_not_overwritten_without_resume(tmp_path):
    out = tmp_path / "run"
    run_profile(gaussian_request(starts=1, sweeps=0), ComputeOptions(scheduler="none", out_dir=out))
    with pytest.raises(UsageError, match="--resume"):
        run_profile(gaussian_request(), ComputeOptions(scheduler="none", out_dir=out))


@pytest.mark.parametrize(
    "damage",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting beyond the recursion limit
        b'{"key": "\xff\xfe"}',  # not UTF-8
        b'{"key": 7, "digest": [], "status": {}}',  # wrong JSON types
        b"[]",
    ],
    ids=["deep", "non-utf8", "wrong-types", "wrong-top-level-type"],
)
def test_an_odd_line_in_the_journal_is_a_one_line_error(tmp_path, damage):
    out = tmp_path / "run"
    request = gaussian_request(starts=1, sweeps=0)
    run_profile(request, ComputeOptions(scheduler="none", out_dir=out))
    path = out / RESULTS_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], damage + b"\n", *lines[1:]]))
    before = path.read_bytes()
    with pytest.raises(DataError, match=r"results\.jsonl line 2 is not a task result") as error:
        run_profile(request, ComputeOptions(scheduler="none", out_dir=out, resume=True))
    assert "\n" not in str(error.value)
    assert path.read_bytes() == before


def test_a_journal_that_is_a_folder_is_a_one_line_error(tmp_path):
    out = tmp_path / "run"
    (out / RESULTS_FILE).mkdir(parents=True)
    with pytest.raises(DataError, match=r"results\.jsonl is not a regular file; move it"):
        run_profile(gaussian_request(), ComputeOptions(scheduler="none", out_dir=out, resume=True))
