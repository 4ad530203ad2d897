"""Every usage error - click's own included - is one line, names the fix, and exits 2."""

from __future__ import annotations

import pytest

CASES = [
    (["optimize", "cmb", "--bogus"], "No such option: --bogus (see `cosmofit optimize --help`)"),
    (["optimse"], "Did you mean 'optimize'?"),
    (["store", "show", "--bogus"], "see `cosmofit store show --help`"),
    (["optimize", "cmb", "--starts", "x"], "Invalid value for '--starts'"),
    (["fit", "cmb", "--set", "h0=70"], "h0 is not a parameter of lcdm (did you mean H0?)"),
    (["store", "restore", "lcdm", "--run", "nonexistent"], "no run of lcdm starts with"),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_one_line_and_exit_two(run_cli, cli_env, tmp_path, args, message):
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    proc = run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "╭" not in proc.stderr and proc.stdout == ""


def test_debug_keeps_the_exit_code_of_a_usage_error(run_cli):
    proc = run_cli("--debug", "fit", "cmb", "--set", "H0=5")
    assert proc.returncode == 2 and "Traceback" in proc.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("COSMOFIT_OPTIMIZATION__STARTS", "abc", "in environment variable"),
        ("COSMOFIT_RUN__MODEL", "foo", "set by environment variable"),
        ("COSMOFIT_OPTIMIZATION__STARTZ", "3", "in environment variable"),
    ],
)
def test_environment_errors_name_the_variable(run_cli, cli_env, variable, value, message):
    cli_env[variable] = value
    proc = run_cli("optimize", "cmb", "--dry-run")
    assert proc.returncode == 2
    assert f"{message} {variable}" in proc.stderr
