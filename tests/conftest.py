"""Shared fixtures: reference values copied into tests/ and the optional raw releases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SHARED_DATA = TESTS.parents[1] / "shared" / "data"


@pytest.fixture(scope="session")
def camb_reference() -> list[dict]:
    """CAMB 2.0.5 background values (massless neutrinos) for six cosmologies."""
    return json.loads((TESTS / "reference" / "camb_background.json").read_text())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The raw public releases in ../shared/data, or a skip when they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data (the raw public releases) is not beside this checkout")
    return SHARED_DATA


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``slow`` tests unless the run selects them (``pytest -m slow``)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow; run with `pytest -m slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
