"""Odd store contents (wrong JSON types, deep nesting, 100 MB, non-UTF-8, symlinked folders):
never a traceback, never a change to a valid file, the odd bytes never lost."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import make_record
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.errors import CosmofitError
from cosmofit.store import OptimizedParameterStore

RUNNER = CliRunner()
HUNDRED_MB = 100 * 1024 * 1024
#: Files (relative to the store root) a mutation may hit; NEWEST_BACKUP is resolved per store.
NEWEST_BACKUP = "<newest backup>"
TARGETS = ["lcdm.json", "lcdm.history.jsonl", NEWEST_BACKUP, "lcdm.lock", "backups"]
#: One value of each JSON type; a replacement always has a different type than the original.
JSON_VALUES = [None, True, 7, 2.5, "text", [], {}, [1, [2]], {"k": {"k": None}}]
READS = [
    ["store", "show"],
    ["store", "show", "lcdm", "--json"],
    ["store", "history", "lcdm"],
    ["store", "backups", "lcdm"],
]


@pytest.fixture(scope="module")
def template() -> Path:
    """A valid store: two optimized runs of lcdm (so there are history lines and backups)."""
    directory = Path(tempfile.mkdtemp(prefix="cosmofit-odd-"))
    store = OptimizedParameterStore(directory / "store")
    store.update_model_defaults(make_record("first", values={"H0": 68.1}))
    store.update_model_defaults(make_record("second", values={"H0": 69.2}))
    yield directory / "store"
    shutil.rmtree(directory, ignore_errors=True)


def _json_type(value) -> str:
    return (
        "number"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else (type(value).__name__)
    )


def _replace_at(data, steps: list[int], replacement):
    """``data`` with the node reached by ``steps`` (indices into children) replaced."""
    if not steps or not isinstance(data, dict | list) or not data:
        return replacement
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    key = keys[steps[0] % len(keys)]
    data[key] = _replace_at(data[key], steps[1:], replacement)
    return data


def _deep(depth: int, opener: str) -> str:
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "0" + "}" * depth


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


MUTATIONS = st.one_of(
    st.tuples(
        st.just("wrong-type"),
        st.lists(st.integers(0, 50), max_size=4),
        st.sampled_from(JSON_VALUES),
    ),
    st.tuples(
        st.just("deep"),
        st.one_of(st.integers(1, 100_000), st.sampled_from([63, 64, 65, 999, 1000, 100_000])),
        st.sampled_from(["[", "{"]),
        st.booleans(),  # whole file, or as the value somewhere inside
    ),
    st.tuples(st.just("big"), st.sampled_from(["sparse", "valid-then-zeros", "one-long-line"])),
    st.tuples(st.just("non-utf8"), st.binary(min_size=1, max_size=8), st.integers(0, 10_000)),
    st.tuples(st.just("symlink-to-folder")),
)


def _mutate(target: Path, mutation: tuple, elsewhere: Path, steps_seed: list[int]) -> None:
    kind = mutation[0]
    if kind == "symlink-to-folder" or target.is_dir():
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        target.symlink_to(elsewhere, target_is_directory=True)
        return
    raw = target.read_bytes()
    lines = [line for line in _lines(raw) if line.strip()]
    if kind == "wrong-type":
        _, steps, value = mutation
        index = (steps or [0])[0] % len(lines) if lines and target.suffix == ".jsonl" else None
        text = lines[index] if index is not None else raw
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        original = data
        for step in steps[:-1] or [0]:
            if isinstance(original, dict | list) and original:
                keys = list(original) if isinstance(original, dict) else range(len(original))
                original = original[list(keys)[step % len(keys)]]
        if _json_type(original) == _json_type(value):
            value = [value]
        new = json.dumps(_replace_at(data, steps, value)).encode()
        if index is not None:
            lines[index] = new
            target.write_bytes(b"\n".join(lines) + b"\n")
        else:
            target.write_bytes(new)
    elif kind == "deep":
        _, depth, opener, whole = mutation
        if whole or not raw.strip():
            target.write_text(_deep(depth, opener))
        else:
            data = json.loads(lines[-1] if target.suffix == ".jsonl" else raw)
            text = json.dumps(_replace_at(data, steps_seed, "@@")).replace(
                '"@@"', _deep(depth, opener)
            )
            if target.suffix == ".jsonl":
                target.write_bytes(b"\n".join([*lines[:-1], text.encode()]) + b"\n")
            else:
                target.write_text(text)
    elif kind == "big":
        how = mutation[1]
        if how == "sparse":
            target.write_bytes(b"")
            os.truncate(target, HUNDRED_MB)
        elif how == "valid-then-zeros":
            os.truncate(target, HUNDRED_MB)
        else:
            with open(target, "ab") as handle:
                handle.write(b"x" * HUNDRED_MB)
    elif kind == "non-utf8":
        _, junk, where = mutation
        junk = junk + b"\xff\xfe\x80"
        position = where % (len(raw) + 1)
        target.write_bytes(raw[:position] + junk + raw[position:])


def _files(root: Path) -> dict[str, bytes]:
    """Content of every regular file under ``root`` (symlinks not followed; 100 MB skipped)."""
    found = {}
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size > 10 * 1024 * 1024:
            found[str(path.relative_to(root))] = b"<big>"
            continue
        found[str(path.relative_to(root))] = path.read_bytes()
    return found


def _run(args: list[str], root: Path):
    result = RUNNER.invoke(app, [*args, "--store", str(root)], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: traceback {type(result.exception).__name__}") from (
            result.exception
        )
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
    if result.exit_code:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output
    return result


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    target=st.sampled_from(TARGETS),
    mutation=MUTATIONS,
    steps=st.lists(st.integers(0, 50), min_size=1, max_size=3),
)
def test_odd_store_contents_never_crash_or_damage_valid_files(
    template: Path, target: str, mutation: tuple, steps: list[int]
) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="cosmofit-odd-case-"))
    try:
        root = scratch / "store"
        shutil.copytree(template, root, symlinks=True)
        (scratch / "elsewhere").mkdir()
        if target == NEWEST_BACKUP:
            target = str(sorted((root / "backups").iterdir())[-1].relative_to(root))
        path = root / target
        before = _files(root)
        _mutate(path, mutation, scratch / "elsewhere", steps)
        odd = None if path.is_symlink() or path.is_dir() else _files(root).get(target)
        valid_before = {name: content for name, content in before.items() if name != target}
        if target == "backups":
            valid_before = {n: c for n, c in valid_before.items() if not n.startswith("backups/")}

        for args in READS:
            _run(args, root)

        after = _files(root)
        for name, content in valid_before.items():
            if name == "lcdm.json" and target.startswith("backups/"):
                pass  # a valid document is never rewritten because of a backup: checked below
            assert after.get(name) == content, f"valid file {name} changed by a read"
        if odd is not None and odd != b"<big>":
            kept = [content for name, content in after.items() if content == odd]
            assert kept, "the odd file's bytes were lost"
        assert not any(name.endswith(".tmp") for name in after)

        # The next write succeeds or refuses with a one-line store error.
        try:
            store = OptimizedParameterStore(root, lock_timeout=5.0)
            store.update_model_defaults(make_record("third", values={"H0": 70.3}))
        except CosmofitError as error:
            assert "\n" not in str(error)
        else:
            assert OptimizedParameterStore(root).get_model_defaults("lcdm")["H0"].value == 70.3
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
