"""Fixtures for the dataset tests.

``shared_data`` (the raw releases in ../shared/data, or a skip) comes from
tests/conftest.py. Here every test gets its own empty user data directory, so
no test reads or writes the developer's real user datasets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cosmofit.data import loader


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ``COSMOFIT_DATA_DIR`` (not created yet) for this test."""
    directory = tmp_path / "user-datasets"
    monkeypatch.setenv("COSMOFIT_DATA_DIR", str(directory))
    yield directory
    loader.clear_cache()
