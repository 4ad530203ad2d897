"""Store paths of the wrong kind or shape: a one-line error or a recovery, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import make_record, snapshot
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.errors import StoreError
from cosmofit.store import OptimizedParameterStore

RUNNER = CliRunner()
DEEP = "[" * 100_000 + "]" * 100_000


def _two_runs(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first", values={"H0": 68.1}))
    store.update_model_defaults(make_record("second", values={"H0": 69.2}))


def _cli(root: Path, *args: str):
    result = RUNNER.invoke(app, [*args, "--store", str(root)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_backups_as_a_file_is_one_line_and_writes_nothing(root: Path) -> None:
    """The reported store: ``backups`` is a regular file (was FileExistsError from mkdir)."""
    _two_runs(root)
    for backup in (root / "backups").iterdir():
        backup.unlink()
    (root / "backups").rmdir()
    (root / "backups").write_text("x\n")
    before = snapshot(root)
    result = _cli(root, "store", "restore", "lcdm", "--run", "first")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: store path {root / 'backups'} is a file, but the store keeps")
    assert f"mv {root / 'backups'}" in line
    assert snapshot(root) == before
    with pytest.raises(StoreError, match="keeps a folder there"):
        OptimizedParameterStore(root)  # writable stores refuse at once, before any fit


def test_backups_as_a_file_stops_store_commands_but_not_read_only_reads(root: Path) -> None:
    _two_runs(root)
    (root / "backups").rename(root / "elsewhere")
    (root / "backups").write_text("x\n")
    before = snapshot(root)
    result = _cli(root, "store", "show", "lcdm", "--json")
    assert result.exit_code == 1 and "keeps a folder there" in result.stderr
    assert snapshot(root) == before
    read_only = OptimizedParameterStore(root, read_only=True)
    assert read_only.get_model_defaults("lcdm")["H0"].value == 69.2


@pytest.mark.parametrize("kind", ["folder", "symlink-to-folder"])
def test_document_that_is_a_folder_is_one_line(root: Path, tmp_path: Path, kind: str) -> None:
    _two_runs(root)
    (root / "lcdm.json").unlink()
    if kind == "folder":
        (root / "lcdm.json").mkdir()
    else:
        (tmp_path / "a-folder").mkdir()
        (root / "lcdm.json").symlink_to(tmp_path / "a-folder", target_is_directory=True)
    before = snapshot(root)
    result = _cli(root, "store", "show", "lcdm")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "lcdm.json is a directory, but the store keeps a file there" in line
    assert snapshot(root) == before


def test_deeply_nested_document_is_recovered_from_its_backup(root: Path) -> None:
    """The reported store: 100000 nested arrays (was RecursionError from json)."""
    _two_runs(root)
    (root / "lcdm.json").write_text(DEEP)
    result = _cli(root, "store", "show", "lcdm", "--json")
    assert result.exit_code == 0
    assert "is corrupt (JSON nested too deeply)" in result.stderr
    assert "restored from backup" in result.stderr and "69.2" in result.stdout
    (aside,) = root.glob("lcdm.json.corrupt-*")
    assert aside.read_text() == DEEP  # the damaged bytes are kept


def test_deeply_nested_document_without_backup_warns_and_uses_builtins(root: Path) -> None:
    _two_runs(root)
    for backup in (root / "backups").iterdir():
        backup.unlink()
    (root / "lcdm.json").write_text(DEEP)
    result = _cli(root, "store", "show", "lcdm", "--json")
    assert result.exit_code == 0
    assert "NO valid backup exists" in result.stderr and "BUILT-IN" in result.stderr


def test_deeply_nested_history_line_is_skipped_with_a_warning(root: Path) -> None:
    _two_runs(root)
    with open(root / "lcdm.history.jsonl", "a") as handle:
        handle.write(DEEP + "\n")
    result = _cli(root, "store", "history", "lcdm")
    assert result.exit_code == 0
    assert "line 3 is corrupt (JSON nested too deeply)" in result.stderr.replace("\n", " ")
    store = OptimizedParameterStore(root)
    assert [r.run_id for r in store.get_optimization_history("lcdm")] == ["first", "second"]


def test_wrong_json_type_in_a_history_line_is_corruption(root: Path) -> None:
    _two_runs(root)
    history = root / "lcdm.history.jsonl"
    lines = history.read_text().splitlines()
    history.write_text("\n".join([lines[0].replace('"nfev":42', '"nfev":"42"'), lines[1]]) + "\n")
    store = OptimizedParameterStore(root)
    assert [r.run_id for r in store.get_optimization_history("lcdm")] == ["second"]
    assert "line 1 is corrupt (schema violation at nfev" in store.warnings[0]
