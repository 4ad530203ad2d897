"""``cosmofit data add``: one atomic commit of data and checksum, one writer per name.

These run real processes: several adds of one name at once, and adds killed
(SIGKILL) at each rename they make.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Runs the CLI, but SIGKILLs itself at the N-th os.replace (N = argv[1]): a kill at
#: exactly that instant of the update, which timing alone would almost never hit.
KILL_AT_REPLACE = """
import os, signal, sys
target = int(sys.argv.pop(1))
real, calls = os.replace, [0]
def replace(*args, **kwargs):
    calls[0] += 1
    if calls[0] == target:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
os.replace = replace
from cosmofit.cli import main
sys.argv[0] = "cosmofit"
main()
"""


def bao_files(folder: Path, rows: int) -> list[str]:
    """A valid 'z value kind' mean file with ``rows`` rows and its identity covariance."""
    folder.mkdir(parents=True, exist_ok=True)
    mean, cov = folder / "mean.txt", folder / "cov.txt"
    kinds = ("DM_over_rs", "DH_over_rs")
    mean.write_text(
        "".join(f"{0.5 + i // 2 * 0.1:.1f} {13.0 + i} {kinds[i % 2]}\n" for i in range(rows))
    )
    cov.write_text(
        "".join(" ".join("1" if i == j else "0" for j in range(rows)) + "\n" for i in range(rows))
    )
    return ["--from", str(mean), "--from", str(cov)]


def cli(*args: str, env: dict[str, str], kill_at: int | None = None) -> subprocess.Popen:
    prefix = [sys.executable, "-m", "cosmofit.cli"]
    if kill_at is not None:
        prefix = [sys.executable, "-c", KILL_AT_REPLACE, str(kill_at)]
    return subprocess.Popen(
        [*prefix, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def env(user_dir: Path) -> dict[str, str]:
    environ = dict(os.environ, PYTHONPATH=str(REPO), COSMOFIT_DATA_DIR=str(user_dir))
    environ.pop("COSMOFIT_DEBUG", None)
    return environ


def info(env: dict[str, str]) -> tuple[int, dict | str]:
    proc = cli("data", "info", "mine", "--json", env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, (json.loads(out) if proc.returncode == 0 else err)


def test_concurrent_adds_of_one_name_exactly_one_wins(env, tmp_path):
    adders = [
        cli(
            "data",
            "add",
            "mine",
            "--kind",
            "bao",
            *bao_files(tmp_path / str(i), 2 + 2 * i),
            env=env,
        )
        for i in range(4)
    ]
    outcomes = [(proc.wait(timeout=120), proc.stderr.read()) for proc in adders]
    winners = [i for i, (code, _) in enumerate(outcomes) if code == 0]
    assert len(winners) == 1, outcomes
    for code, stderr in outcomes:
        if code != 0:
            assert code == 2 and "already exists" in stderr, stderr
            assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    code, result = info(env)
    assert code == 0, result
    assert result["verified"] and result["n_points"] == 2 + 2 * winners[0]


@pytest.mark.parametrize("kill_at", [1, 2, 3])
def test_overwrite_killed_at_any_rename_leaves_old_or_new_dataset(env, tmp_path, kill_at):
    first = cli("data", "add", "mine", "--kind", "bao", *bao_files(tmp_path / "old", 2), env=env)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    args = ["data", "add", "mine", "--kind", "bao", *bao_files(tmp_path / "new", 4), "--overwrite"]
    killed = cli(*args, env=env, kill_at=kill_at)
    killed.communicate(timeout=120)
    assert killed.returncode in (-signal.SIGKILL, 0)  # 0: the update made fewer renames
    code, result = info(env)
    assert code == 0, result  # never "sha256 mismatch"
    assert result["verified"] and result["n_points"] in (2, 4)
    again = cli(*args, env=env)
    assert again.wait(timeout=120) == 0, again.stderr.read()
    code, result = info(env)
    assert code == 0 and result["n_points"] == 4
    data_files = sorted(p.name for p in Path(env["COSMOFIT_DATA_DIR"]).glob("mine*.npz"))
    assert data_files == [result["filename"]]  # the replaced file is gone


def test_a_name_longer_than_a_file_name_may_be_is_a_usage_error(env, tmp_path):
    proc = cli("data", "add", "a" * 300, "--kind", "bao", *bao_files(tmp_path, 2), env=env)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "limit of 64" in stderr and "Traceback" not in stderr
