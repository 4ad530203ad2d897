"""Many processes writing at once lose nothing; models lock independently."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import make_record

from cosmofit.errors import StoreError
from cosmofit.store import OptimizedParameterStore
from cosmofit.store.schema import ModelDocument, verify

WRITER = Path(__file__).with_name("writer_process.py")


def _start_writers(
    root: Path, env: dict[str, str], jobs: list[tuple[str, int]], count: int
) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, str(WRITER), "update", str(root), model, str(worker), str(count)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for model, worker in jobs
    ]


def _wait(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr


def _assert_complete(root: Path, model: str, workers: range, count: int) -> None:
    store = OptimizedParameterStore(root)
    history = store.get_optimization_history(model)
    expected = {f"{model}-w{w}-{i}" for w in workers for i in range(count)}
    assert len(history) == len(expected)
    assert {record.run_id for record in history} == expected
    doc = ModelDocument.from_text((root / f"{model}.json").read_text())
    assert verify(doc)
    assert doc.last_run_id in expected
    assert store.check(model) == []
    assert store.warnings == []


def test_eight_processes_times_25_updates_lose_nothing(root: Path, child_env) -> None:
    processes = _start_writers(root, child_env, [("lcdm", w) for w in range(8)], 25)
    _wait(processes)
    _assert_complete(root, "lcdm", range(8), 25)


def test_lcdm_and_pbuf_writers_run_side_by_side(root: Path, child_env) -> None:
    jobs = [("lcdm", 0), ("pbuf", 0), ("lcdm", 1), ("pbuf", 1), ("lcdm", 2), ("pbuf", 2)]
    _wait(_start_writers(root, child_env, jobs, 10))
    _assert_complete(root, "lcdm", range(3), 10)
    _assert_complete(root, "pbuf", range(3), 10)


@pytest.fixture
def lcdm_lock_held(root: Path, child_env):
    """A separate process holding the lcdm lock until the test ends."""
    holder = subprocess.Popen(
        [sys.executable, str(WRITER), "hold-lock", str(root), "lcdm"],
        env=child_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield
    holder.communicate("\n", timeout=30)


@pytest.mark.usefixtures("lcdm_lock_held")
def test_a_held_lcdm_lock_does_not_block_pbuf_but_times_out_lcdm(root: Path) -> None:
    store = OptimizedParameterStore(root, lock_timeout=5.0)
    started = time.perf_counter()
    store.update_model_defaults(make_record("pbuf-while-lcdm-locked", model="pbuf"))
    assert time.perf_counter() - started < 1.0

    impatient = OptimizedParameterStore(root, lock_timeout=0.2)
    with pytest.raises(StoreError, match=r"another cosmofit process holds .*lcdm\.lock"):
        impatient.update_model_defaults(make_record("blocked"))
    assert impatient.get_optimization_history("lcdm") == []
