"""Every leaf command shows examples; help never lists a fixed set of models."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cosmofit.cli import app

LEAVES = [
    ["store", "show"], ["store", "history"], ["store", "restore"], ["store", "backups"],
    ["store", "path"], ["data", "list"], ["data", "info"], ["data", "add"], ["config", "show"],
    ["config", "path"], ["optimize"], ["fit"], ["profile"], ["jackknife"], ["report"],
    ["validate"],
]  # fmt: skip


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_leaf_help_has_examples_and_no_fixed_model_list(command):
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"cosmofit {' '.join(command)}" in result.output
    assert not re.search(r"lcdm (or|and) pbuf", result.output, re.IGNORECASE)
    assert "╭" not in result.output  # plain help: descriptions get the width, not boxes


def test_store_help_shows_the_real_run_id_format():
    from cosmofit.store.schema import new_run_id

    output = CliRunner().invoke(app, ["store", "--help"]).output
    example = re.search(r"--run (\S+)", output).group(1)
    # YYYYMMDDThhmm...: the shape of a prefix of a real id (any date)
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", new_run_id())
    assert re.fullmatch(r"\d{8}T\d{2,6}(Z-[0-9a-f]{0,6})?", example), example
