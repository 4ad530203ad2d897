"""``cosmofit report`` end to end, in a subprocess with its own store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cosmofit.report.verify import check_report

ROOT = Path(__file__).resolve().parents[2]


def cosmofit(*args: str, store: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("cosmofit")
    command = [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]
    env = dict(os.environ, COSMOFIT_STORE=str(store))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """A copy of the session's filled store, so the commands cannot disturb other tests."""
    return tmp_path_factory.mktemp("cli-store")


@pytest.fixture(scope="module")
def filled(store_dir, rendered) -> Path:
    shutil.copytree(rendered.store_root, store_dir, dirs_exist_ok=True)
    return store_dir


def test_report_json(filled):
    result = cosmofit("report", "--json", store=filled)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["html_file"] is None
    assert Path(payload["summary_file"]) == filled / "reports" / "optimization_summary.json"
    assert payload["summary"]["schema_version"] == 5
    assert payload["summary"]["comparison"]["comparable"] is True
    assert json.loads(Path(payload["summary_file"]).read_text()) == payload["summary"]


def test_report_html_out(filled, tmp_path):
    out = tmp_path / "site"
    result = cosmofit("report", "--html", "--out", str(out), store=filled)
    assert result.returncode == 0, result.stderr
    assert (
        "model comparison" in result.stdout and str(out / "cosmofit_report.html") in result.stdout
    )
    html, summary = out / "cosmofit_report.html", out / "optimization_summary.json"
    assert check_report(html, summary) == []
    assert summary.read_bytes() == (filled / "reports" / "optimization_summary.json").read_bytes()


def test_report_on_empty_store(tmp_path):
    result = cosmofit("report", "--html", "--json", store=tmp_path / "empty")
    assert result.returncode == 0, result.stderr
    assert Path(json.loads(result.stdout)["html_file"]).is_file()


def test_out_must_be_a_folder(filled, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    result = cosmofit("report", "--out", str(target), store=filled)
    assert result.returncode == 2
    assert "is a file" in result.stderr
