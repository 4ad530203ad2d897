"""Each test starts without a --config file left over from an in-process CLI invocation."""

from __future__ import annotations

import pytest

from cosmofit.config import CONFIG_FILE


@pytest.fixture(autouse=True)
def no_config_file():
    token = CONFIG_FILE.set(None)
    yield
    CONFIG_FILE.reset(token)
