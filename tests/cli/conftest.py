"""Run the installed ``cosmofit`` command (or the module) in a subprocess with a private HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _command() -> list[str]:
    exe = shutil.which("cosmofit")
    return [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / ".local" / "share")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / ".config")
    env["COSMOFIT_DATA_DIR"] = str(tmp_path / "user-datasets")
    env.pop("COSMOFIT_DEBUG", None)
    return env


@pytest.fixture
def run_cli(cli_env):
    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*_command(), *args], capture_output=True, text=True, env=cli_env, timeout=120
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
        return proc

    return run
