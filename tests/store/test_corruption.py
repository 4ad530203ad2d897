"""Damaged files are set aside and recovered from backups, never trusted or deleted."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import make_record, snapshot

from cosmofit.errors import StoreError
from cosmofit.store import OptimizedParameterStore
from cosmofit.store.schema import ModelDocument, verify


def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _garbage(raw: bytes) -> bytes:
    return bytes(range(256)) * 3


def _wrong_checksum(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["parameters"]["H0"]["value"] = 99.0  # still valid JSON and schema
    return json.dumps(data, indent=2).encode()


def _empty(raw: bytes) -> bytes:
    return b""


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": _truncate,
    "garbage": _garbage,
    "wrong-checksum": _wrong_checksum,
    "empty": _empty,
}


def _damage(path: Path, how: str) -> bytes:
    damaged = DAMAGE[how](path.read_bytes())
    path.write_bytes(damaged)
    return damaged


def _corrupt_copies(root: Path) -> list[Path]:
    return sorted(root.glob("lcdm.json.corrupt-*"))


@pytest.mark.parametrize("how", list(DAMAGE))
def test_corrupt_document_is_restored_from_newest_backup(root: Path, how: str) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first", values={"H0": 68.1}))
    store.update_model_defaults(make_record("second", values={"H0": 69.2}))
    damaged = _damage(root / "lcdm.json", how)

    reader = OptimizedParameterStore(root)
    entries = reader.get_model_defaults("lcdm")

    assert entries["H0"].value == 69.2  # the newest backup equals the last written document
    assert entries["H0"].run_id == "second"
    (warning,) = reader.warnings
    assert "is corrupt" in warning and "restored from backup lcdm." in warning
    assert "\n" not in warning
    (aside,) = _corrupt_copies(root)
    assert aside.read_bytes() == damaged
    assert verify(ModelDocument.from_text((root / "lcdm.json").read_text()))
    assert OptimizedParameterStore(root).check("lcdm") == []


def test_corrupt_newest_backup_falls_back_to_an_older_one(root: Path) -> None:
    store = OptimizedParameterStore(root)
    for i, h0 in enumerate((66.0, 67.0, 68.0)):
        store.update_model_defaults(make_record(f"r{i}", values={"H0": h0}))
    newest_backup = root / "backups" / store.list_backups("lcdm")[-1]
    _damage(newest_backup, "truncated")
    _damage(root / "lcdm.json", "garbage")

    reader = OptimizedParameterStore(root)
    assert reader.get_model_defaults("lcdm")["H0"].value == 67.0
    assert any("restored from backup" in w for w in reader.warnings)


@pytest.mark.parametrize("how", list(DAMAGE))
def test_without_backup_falls_back_to_builtin_defaults_loudly(root: Path, how: str) -> None:
    OptimizedParameterStore(root).update_model_defaults(make_record("only", values={"H0": 72.0}))
    shutil.rmtree(root / "backups")  # e.g. deleted by hand
    damaged = _damage(root / "lcdm.json", how)

    reader = OptimizedParameterStore(root)
    entries = reader.get_model_defaults("lcdm")

    assert entries["H0"].value == 67.4 and entries["H0"].source == "default"
    (warning,) = reader.warnings
    assert warning.startswith("WARNING:") and "NO valid backup" in warning
    assert "cosmofit store restore lcdm --run" in warning
    (aside,) = _corrupt_copies(root)
    assert aside.read_bytes() == damaged
    # The history still has the run, so its values can be brought back.
    reader.restore("lcdm", run_id="only")
    assert OptimizedParameterStore(root).get_model_defaults("lcdm")["H0"].value == 72.0


def test_read_only_store_recovers_in_memory_and_touches_nothing(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first", values={"H0": 68.1}))
    store.update_model_defaults(make_record("second", values={"H0": 69.2}))
    _damage(root / "lcdm.json", "truncated")
    before = snapshot(root)

    reader = OptimizedParameterStore(root, read_only=True)
    assert reader.get_model_defaults("lcdm")["H0"].value == 69.2
    assert "read-only" in reader.warnings[0]
    assert reader.check("lcdm")  # the damage is reported...
    assert snapshot(root) == before  # ...and nothing was repaired or created
    with pytest.raises(StoreError, match="read-only"):
        reader.update_model_defaults(make_record("third"))


def test_document_from_a_newer_cosmofit_is_an_error_not_corruption(root: Path) -> None:
    OptimizedParameterStore(root).update_model_defaults(make_record("r"))
    path = root / "lcdm.json"
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="newer than this cosmofit"):
        OptimizedParameterStore(root).get_model_defaults("lcdm")
    assert _corrupt_copies(root) == []


def test_torn_last_history_line_is_skipped_then_set_aside(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("complete"))
    history = root / "lcdm.history.jsonl"
    torn = make_record("torn").to_line()[:57]
    with history.open("a") as handle:
        handle.write(torn)

    reader = OptimizedParameterStore(root)
    assert [r.run_id for r in reader.get_optimization_history("lcdm")] == ["complete"]
    assert "incomplete last line 2" in reader.warnings[0]

    reader.update_model_defaults(make_record("after"))
    ids = [r.run_id for r in OptimizedParameterStore(root).get_optimization_history("lcdm")]
    assert ids == ["complete", "after"]
    assert (root / "lcdm.history.jsonl.torn").read_text() == torn + "\n"
    assert OptimizedParameterStore(root).check("lcdm") == []


def test_record_missing_only_its_newline_is_kept(root: Path) -> None:
    store = OptimizedParameterStore(root)
    store.update_model_defaults(make_record("first"))
    history = root / "lcdm.history.jsonl"
    history.write_bytes(history.read_bytes().rstrip(b"\n"))
    store.update_model_defaults(make_record("second"))
    assert [r.run_id for r in store.get_optimization_history("lcdm")] == ["first", "second"]


def test_corrupt_middle_history_line_is_named_and_skipped(root: Path) -> None:
    store = OptimizedParameterStore(root)
    for run_id in ("a", "b", "c"):
        store.update_model_defaults(make_record(run_id))
    history = root / "lcdm.history.jsonl"
    lines = history.read_text().splitlines(keepends=True)
    lines[1] = "{not json\n"
    history.write_text("".join(lines))

    reader = OptimizedParameterStore(root)
    assert [r.run_id for r in reader.get_optimization_history("lcdm")] == ["a", "c"]
    assert "line 2 is corrupt" in reader.warnings[0]
    assert any("line 2 is corrupt" in problem for problem in reader.check("lcdm"))
