"""Counts past their limits and hostile values: a fast one-line error, never a traceback.

Each case once crashed or ran until the machine ran out of memory.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cosmofit.cli import app

PROFILE = ["profile", "Om0", "bao", "--params", "H0", "--scheduler", "none", "--out"]


def invoke(args: list[str], tmp_path: Path, **env: str):
    environ = {
        "COSMOFIT_STORE": str(tmp_path / "store"),
        "COSMOFIT_DATA_DIR": str(tmp_path / "datasets"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "COSMOFIT_DEBUG": "",
        **env,
    }
    return CliRunner().invoke(app, args, env=environ)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optimize", "cmb", "--starts", "100000000", "--dry-run"], "less than or equal to 1000"),
        (["optimize", "cmb", "--seed", "-1", "--starts", "2", "--dry-run"], "greater than or"),
        (
            ["optimize", "cmb", "--seed", str(2**40), "--dry-run"],
            "less than or equal to 4294967295",
        ),
        (["optimize", "cmb", "--workers", "100000000", "--dry-run"], "less than or equal to 256"),
        (["optimize", "cmb", "--starts", "8", "--scheduler", "inproc://x", "--dry-run"], "schemes"),
        (["optimize", "cmb", "--starts", "8", "--scheduler", "bogus://x", "--dry-run"], "schemes"),
        ([*PROFILE, "{out}", "--grid", "0.2:0.4:100000000"], "limit of 10,000"),
        ([*PROFILE, "{out}", "--grid", "0.2:0.4:3", "--starts", "100000"], "1000"),
        ([*PROFILE, "{out}", "--grid", "0.2:0.4:3", "--sweeps", "100000"], "100"),
        (["jackknife", "cmb,bao", "--starts", "100000", "--scheduler", "none"], "1000"),
    ],
)
def test_a_count_past_its_limit_fails_fast_naming_the_limit(args, message, tmp_path):
    args = [str(tmp_path / "run") if a == "{out}" else a for a in args]
    began = time.monotonic()
    result = invoke(args, tmp_path)
    assert time.monotonic() - began < 30
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[optimization]\nwarm_start_max_age = inf\nwarm_start = true\n", "finite number"),
        ("[optimization]\nwarm_start_max_age = nan\n", "finite number"),
        ("[optimization]\nseed = -1\n", "greater than or equal to 0"),
        ("[compute]\nworker_timeout = inf\n", "finite number"),
        ("x = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
        ("[parameters]\nH0 = " + "[" * 100000 + "]" * 100000 + "\n", "nested too deeply"),
    ],
)
def test_hostile_config_values_are_one_line_errors(toml, message, tmp_path):
    path = tmp_path / "hostile.toml"
    path.write_text(toml)
    result = invoke(["--config", str(path), "optimize", "cmb", "--dry-run"], tmp_path)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_deeply_nested_environment_value_is_one_line_error(tmp_path):
    result = invoke(["optimize", "cmb", "--dry-run"], tmp_path, COSMOFIT_PARAMETERS__H0="[" * 5000)
    assert result.exit_code == 2 and "parameters.h0" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["profile", "jackknife"])
def test_a_file_as_store_is_one_line_error_for_engine_commands(command, tmp_path):
    store = tmp_path / "file-store"
    store.write_text("not a directory")
    args = {
        "profile": [*PROFILE[:-1], "--grid", "0.28:0.31:3", "--starts", "1", "--sweeps", "0"],
        "jackknife": ["jackknife", "cmb,bao", "--scheduler", "none"],
    }[command]
    result = invoke([*args, "--store", str(store)], tmp_path)
    assert result.exit_code == 2, result.output  # a usage error, found before any work
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{store} is a file, not a folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert store.read_text() == "not a directory"
