"""A full disk or an I/O error during an update, and a kill between its two steps.

* The store write fails: one-line StoreError, the store's files unchanged.
* The summary write fails after the run is stored: a warning, success.
* A process killed (SIGKILL) after appending its record but before replacing
  the document leaves a record that ``report`` does not show as the latest
  run and that ``validate`` reports.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from store_helpers import make_record, snapshot
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.errors import StoreError
from cosmofit.store import atomic
from cosmofit.store import store as store_module
from cosmofit.store.store import OptimizedParameterStore

REPO = Path(__file__).resolve().parents[2]


def failing_after(real, *, fail_on: str, error: int):
    """``real`` that raises OSError(``error``) when its path argument ends with ``fail_on``."""

    def wrapper(path, *args, **kwargs):
        if str(path).endswith(fail_on):
            raise OSError(error, os.strerror(error), str(path))
        return real(path, *args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    ("function", "fail_on", "error"),
    [
        ("append_line", ".history.jsonl", errno.ENOSPC),
        ("atomic_write_text", "lcdm.json", errno.ENOSPC),
        ("atomic_write_text", "lcdm.json", errno.EIO),
    ],
)
def test_a_failed_store_write_is_one_line_and_changes_nothing(
    root, monkeypatch, function, fail_on, error
):
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("r1", values={"H0": 68.0}))
    before = {name: content for name, (content, _) in snapshot(root).items()}
    monkeypatch.setattr(
        store_module,
        function,
        failing_after(getattr(store_module, function), fail_on=fail_on, error=error),
    )
    with pytest.raises(StoreError) as raised:
        store.update_model_defaults(make_record("r2", values={"H0": 70.0}))
    message = str(raised.value)
    assert "r2 was not stored and the store is unchanged" in message
    assert os.strerror(error) in message and "\n" not in message
    after = {name: content for name, (content, _) in snapshot(root).items()}
    assert after == before
    assert store.get_model_defaults("lcdm")["H0"].value == 68.0


def test_a_torn_append_is_cut_off_when_the_document_write_fails(root, monkeypatch):
    """The record was appended, then the document could not be replaced: the record goes."""
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("r1"))
    history = (root / "lcdm.history.jsonl").read_bytes()
    monkeypatch.setattr(
        store_module,
        "atomic_write_text",
        failing_after(atomic.atomic_write_text, fail_on="lcdm.json", error=errno.ENOSPC),
    )
    with pytest.raises(StoreError):
        store.update_model_defaults(make_record("r2"))
    assert (root / "lcdm.history.jsonl").read_bytes() == history
    assert store.check("lcdm") == []


def test_a_failed_summary_write_keeps_the_stored_run_a_success(tmp_path, monkeypatch):
    def no_space(store):
        raise StoreError("cannot write summary.json (No space left on device); choose a folder")

    monkeypatch.setattr("cosmofit.report.summary.write_summary", no_space)
    root = tmp_path / "s"
    result = CliRunner().invoke(
        app, ["optimize", "cmb", "--model", "lcdm", "--json"], env={"COSMOFIT_STORE": str(root)}
    )
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored["stored"] is True
    assert any("summary could not be updated" in w for w in stored["warnings"])
    history = OptimizedParameterStore(root).get_optimization_history("lcdm")
    assert [r.run_id for r in history] == [stored["run_id"]]


#: Runs the CLI, but SIGKILLs itself when the store is about to replace the model document,
#: that is after the history append: the instant between the two steps of an update.
KILL_BEFORE_DOCUMENT = """
import os, signal, sys
from cosmofit.store import store
real = store.atomic_write_text
def write(path, text):
    if str(path).endswith("lcdm.json"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, text)
store.atomic_write_text = write
from cosmofit.cli import main
sys.argv[0] = "cosmofit"
main()
"""


def test_a_kill_between_history_and_document_is_labelled_not_latest(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), COSMOFIT_STORE=str(tmp_path / "s"))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    env.pop("COSMOFIT_DEBUG", None)

    def cosmofit(*args, kill=False):
        prefix = ["-c", KILL_BEFORE_DOCUMENT] if kill else ["-m", "cosmofit.cli"]
        return subprocess.run(
            [sys.executable, *prefix, *args], env=env, capture_output=True, text=True, timeout=120
        )

    first = cosmofit("optimize", "cmb", "--model", "lcdm", "--json")
    assert first.returncode == 0, first.stderr
    kept = json.loads(first.stdout)["run_id"]
    killed = cosmofit("optimize", "bao", "--model", "lcdm", "--json", kill=True)
    assert killed.returncode == -signal.SIGKILL
    lines = (tmp_path / "s/lcdm.history.jsonl").read_text().splitlines()
    history = [json.loads(line)["run_id"] for line in lines]
    assert len(history) == 2 and history[0] == kept
    orphan = history[1]

    report = cosmofit("report", "--json")
    assert report.returncode == 0, report.stderr
    summary = json.loads(report.stdout)["summary"]
    assert summary["models"]["lcdm"]["last_optimization"]["run_id"] == kept
    assert any(orphan in w and "never applied" in w for w in summary["warnings"])

    validate = cosmofit("validate")
    assert validate.returncode == 1
    assert f"run {orphan}" in validate.stderr and "never applied" in validate.stderr
    assert "Traceback" not in validate.stderr

    again = cosmofit("optimize", "bao", "--model", "lcdm", "--json")
    assert again.returncode == 0, again.stderr
    latest = json.loads(again.stdout)["run_id"]
    report = json.loads(cosmofit("report", "--json").stdout)["summary"]
    assert report["models"]["lcdm"]["last_optimization"]["run_id"] == latest
