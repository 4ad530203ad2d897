"""Property-based: whatever TOML or arguments arrive, no traceback, a meaningful exit code,
and a failing invocation never changes the store.

The default counts keep the suite fast; ``FUZZ_EXAMPLES=1000`` (see
``scripts/fuzz.sh``) runs each property that many times.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cosmofit.cli import app

RUNNER = CliRunner()

#: Examples per property: small by default, large in the fuzz run.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))

#: Values that once crashed: unbounded counts, non-finite ages, negative seeds, unknown
#: scheduler schemes, names longer than a file name may be, text that looks like markup.
HOSTILE = [
    100_000_000,
    2**63,
    -(2**63),
    -1,
    "inproc://x",
    "bogus://x",
    "tcp://",
    "[/bold]",
    "a" * 300,
]

KEYS = {
    "run": ["model", "datasets", "store", "modle"],
    "optimization": [
        "optimize_parameters",
        "frozen_parameters",
        "method",
        "starts",
        "covariance_scaling",
        "warm_start",
        "dry_run",
        "tolerance",
        "seed",
        "save_results",
        "use_precomputed",
        "max_iterations",
        "warm_start_max_age",
        "metod",
    ],
    "parameters": ["H0", "Om0", "Obh2", "k_sat", "w", "Tcmb", "bogus"],
    "consistency": ["tolerance"],
    "compute": ["scheduler", "workers", "worker_timeout"],
    "extra": ["x"],
}
SCALARS = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["lcdm", "pbuf", "all", "L-BFGS-B", "Powell", "simplex", "", "cmb"]),
    st.lists(st.sampled_from(["H0", "Om0", "k_sat", "cmb", "bao", "ns", "zz"]), max_size=3),
    st.sampled_from(HOSTILE),
    st.integers(),
)


def nested_array(depth: int) -> str:
    """An array nested ``depth`` levels deep (deep ones once exhausted the recursion limit)."""
    return "[" * depth + "1" + "]" * depth


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return json.dumps(value)


@st.composite
def toml_documents(draw) -> str:
    if draw(st.integers(0, 9)) == 0:  # sometimes plain garbage
        return draw(st.text(max_size=60))
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(KEYS)), max_size=4, unique=True)):
        lines.append(f"[{section}]")
        for key in draw(st.lists(st.sampled_from(KEYS[section]), max_size=4, unique=True)):
            if draw(st.integers(0, 19)) == 0:
                value = nested_array(draw(st.sampled_from([2, 50, 999, 1000, 5000])))
            else:
                value = toml_value(draw(SCALARS))
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


TOKENS = [
    "fit",
    "optimize",
    "store",
    "config",
    "validate",
    "data",
    "show",
    "history",
    "restore",
    "list",
    "info",
    "path",
    "--model",
    "lcdm",
    "pbuf",
    "wcdm",
    "all",
    "lcmd",
    "--set",
    "H0=70",
    "k_sat=2",
    "H0=abc",
    "Om0=1.5",
    "--params",
    "H0,Om0",
    "k_sat",
    "--freeze",
    "ns",
    "H0",
    "--cov-scale",
    "0",
    "-1",
    "2",
    "--json",
    "--dry-run",
    "--starts",
    "3",
    "--method",
    "Powell",
    "bogus",
    "cmb",
    "bao",
    "nope",
    "--limit",
    "-5",
    "--run",
    "abc",
    "--backup",
    "--warm-start",
    "--seed",
    "x",
    "--help",
    "--from-builtin",
    "--optimize",
    "--save",
    # counts past their limits and other values that once crashed
    "100000000",
    "-1",
    "--workers",
    "--scheduler",
    "inproc://x",
    "bogus://x",
    "none",
    "profile",
    "jackknife",
    "Om0",
    "--grid",
    "0.2:0.4:100000000",
    "--sweeps",
    "[/bold]",
    "a" * 300,
    "report",
    "add",
    "--kind",
    "--citation",
    "--overwrite",
    "--from",
    "/dev/null",
]


def store_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def populated_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("prop") / "store"
    env = {"COSMOFIT_STORE": str(root)}
    result = RUNNER.invoke(app, ["optimize", "cmb", "--model", "lcdm"], env=env)
    assert result.exit_code == 0, result.output
    return root


COUNTS = {"toml": 0, "cli": 0}


def check_invocation(args: list[str], root: Path, config_home: Path) -> None:
    before = store_digest(root)
    env = {
        "COSMOFIT_STORE": str(root),
        "XDG_CONFIG_HOME": str(config_home),
        "COSMOFIT_DATA_DIR": str(config_home.parent / "datasets"),
        "COSMOFIT_DEBUG": "",
    }
    result = RUNNER.invoke(app, args, env=env)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert store_digest(root) == before, args


@settings(
    max_examples=FUZZ_EXAMPLES or 120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    document=toml_documents(),
    command=st.sampled_from(
        [
            ["fit", "cmb", "--json"],
            ["config", "show", "--json"],
            ["optimize", "bao", "--dry-run"],
            ["validate", "--json"],
        ]
    ),
)
def test_random_toml_never_crashes(document, command, populated_store, tmp_path):
    path = tmp_path / "random.toml"
    path.write_text(document)
    check_invocation(["--config", str(path), *command], populated_store, tmp_path / "cfg")
    COUNTS["toml"] += 1


@settings(
    max_examples=FUZZ_EXAMPLES or 150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(args=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=7))
def test_random_arguments_never_crash(args, populated_store, tmp_path):
    if "optimize" in args and "--dry-run" not in args and "--starts" in args:
        args = [a for a in args if a != "--starts"]  # keep runs short
    if {"profile", "jackknife"} & set(args):  # no cluster, and never a long run
        args = [*args, "--scheduler", "none", "--starts", "1", "--sweeps", "0"]
    check_invocation(args, populated_store, tmp_path / "cfg")
    COUNTS["cli"] += 1


def test_report_case_counts():
    # Printed with -s; the counts are also asserted so a silently skipped property fails.
    print(f"property cases run: toml={COUNTS['toml']} cli={COUNTS['cli']}")
    assert COUNTS["toml"] >= 100 and COUNTS["cli"] >= 100
    if FUZZ_EXAMPLES:
        assert min(COUNTS.values()) >= FUZZ_EXAMPLES
