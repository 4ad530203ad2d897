"""Scheduler choice, the journal, task digests and seeded starts."""

from __future__ import annotations

import numpy as np
import pytest
from toy_sources import gaussian_3d

from cosmofit.compute.engine import AUTO_IN_PROCESS_MAX, ComputeOptions, Engine, resolve_scheduler
from cosmofit.compute.journal import RESULTS_FILE, Journal
from cosmofit.compute.seeding import draw_around, pick_lowest, start_rng
from cosmofit.compute.tasks import Task, TaskResult, run_task
from cosmofit.errors import DataError, UsageError


def make_task(key="grid/0/0", u0=(0.5, 0.5)) -> Task:
    return Task(key=key, source=gaussian_3d(), names=("y", "z"), fixed={"x": 0.4}, u0=u0)


def test_auto_is_in_process_for_small_runs_and_local_above(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert resolve_scheduler("auto", AUTO_IN_PROCESS_MAX) == "none"
    assert resolve_scheduler("auto", AUTO_IN_PROCESS_MAX + 1) == "local"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.1:8786")
    assert resolve_scheduler("auto", 1) == "tcp://10.0.0.1:8786"
    assert resolve_scheduler("none", 100) == "none"
    with pytest.raises(UsageError, match="--scheduler"):
        resolve_scheduler("cluster", 1)


def test_a_task_is_a_pure_function_of_its_fields():
    task = make_task()
    first, second = run_task(task), run_task(make_task())
    assert first.ok and first.chi2 == second.chi2 and first.params == second.params
    assert first.digest == second.digest == task.digest
    assert make_task(u0=(0.5, 0.50000001)).digest != task.digest
    # x fixed at 0.4: chi2 of the conditional minimum is ((0.4 - 0.5) / 0.1)^2
    assert first.chi2 == pytest.approx(1.0, abs=1e-8)
    assert first.by_dataset == {"gaussian": pytest.approx(1.0, abs=1e-8)}


def test_journal_ignores_a_cut_off_last_line_and_trims_it(tmp_path):
    task_a, task_b = make_task("a"), make_task("b")
    journal = Journal(tmp_path, resume=False)
    journal.append(run_task(task_a))
    journal.close()
    path = tmp_path / RESULTS_FILE
    whole = path.read_text()
    path.write_text(whole + '{"key": "b", "digest": "')  # crash while writing b
    again = Journal(tmp_path, resume=True)
    assert again.lookup(task_a) is not None and again.lookup(task_a).resumed
    assert again.lookup(task_b) is None
    assert path.read_text() == whole
    again.append(run_task(task_b))
    again.close()
    assert [line[:12] for line in path.read_text().splitlines()] == ['{"key":"a","', '{"key":"b","']


def test_journal_reports_a_damaged_line_before_the_last(tmp_path):
    good = run_task(make_task()).model_dump_json()
    (tmp_path / RESULTS_FILE).write_text('{"key": 1}\n' + good + "\n")
    with pytest.raises(DataError, match="line 1"):
        Journal(tmp_path, resume=True)


def test_journal_reuses_only_results_of_identical_tasks(tmp_path):
    journal = Journal(tmp_path, resume=False)
    journal.append(run_task(make_task()))
    journal.close()
    again = Journal(tmp_path, resume=True)
    assert again.lookup(make_task()) is not None
    assert again.lookup(make_task(u0=(0.1, 0.9))) is None  # same key, other inputs


def test_resume_of_a_missing_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="nothing to resume"):
        Engine(ComputeOptions(out_dir=tmp_path / "nope", resume=True), planned_tasks=1)


def test_seeded_draws_depend_only_on_seed_point_and_start():
    center, spread = np.full(3, 0.5), np.full(3, 0.1)
    a = draw_around(start_rng(7, 3, 1), center, spread)
    b = draw_around(start_rng(7, 3, 1), center, spread)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw_around(start_rng(7, 3, 2), center, spread))
    assert not np.array_equal(a, draw_around(start_rng(7, 4, 1), center, spread))
    assert not np.array_equal(a, draw_around(start_rng(8, 3, 1), center, spread))
    assert np.all((a >= 0) & (a <= 1))


def test_pick_lowest_uses_one_batch_and_skips_infinite_candidates():
    calls = []

    def batch(rows):
        calls.append(len(rows))
        return np.array([np.inf if r[0] > 0.8 else r[0] for r in rows])

    blocks = [np.array([[0.9], [0.3], [0.5]]), np.array([[0.95], [0.85]])]
    chosen = pick_lowest(blocks, batch)
    assert calls == [5]
    assert chosen[0][0] == 0.3 and chosen[1] is None


def test_task_results_round_trip_through_json_exactly():
    result = run_task(make_task())
    back = TaskResult.model_validate_json(result.model_dump_json())
    assert back.chi2 == result.chi2 and back.params == result.params
