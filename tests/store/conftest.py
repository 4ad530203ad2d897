"""Fixtures for the store tests: a private store root and an environment for child processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $COSMOFIT_STORE at a scratch directory so no test touches the user's store."""
    monkeypatch.setenv("COSMOFIT_STORE", str(tmp_path / "env-store"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A store root that does not exist yet (the store creates it on first write)."""
    return tmp_path / "store"


@pytest.fixture
def child_env() -> dict[str, str]:
    """Environment in which ``writer_process.py`` can import cosmofit and the helpers."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE), env.get("PYTHONPATH", "")])
    return env
