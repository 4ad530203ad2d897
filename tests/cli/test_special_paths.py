"""Special files as user paths: a one-line error at once, never a hang, nothing written."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs FIFOs and /dev/zero")

#: A 1 GiB sparse file costs no disk space; reading it whole would take seconds and 1 GiB.
SPARSE_SIZE = 1 << 30


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "directory":
        path = tmp_path / "folder"
        path.mkdir()
    else:
        path = tmp_path / "huge.cov"
        with open(path, "wb") as handle:
            handle.truncate(SPARSE_SIZE)
    return path


def _state(directory: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``directory`` with its kind bits and size (FIFOs are not opened)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(directory))] = (info.st_mode, info.st_size)
    return found


#: Commands where the path must be a regular file.
FILE_OPTIONS = {
    "--from": lambda p: ["data", "add", "mine", "--kind", "bao", "--from", str(p)],
    "--config": lambda p: ["--config", str(p), "store", "show", "lcdm"],
}
#: Commands where the path must be a folder (so a directory is fine there).
FOLDER_OPTIONS = {
    "--store": lambda p: ["store", "show", "lcdm", "--store", str(p)],
    "--store (optimize)": lambda p: ["optimize", "cmb", "--model", "lcdm", "--store", str(p)],
    "--out (report)": lambda p: ["report", "--out", str(p)],
    "--out (profile)": lambda p: ["profile", "Om0", "cmb", "--grid", "0.3:0.32:3", "--out", str(p)],
}
CASES = [
    (option, kind)
    for option in [*FILE_OPTIONS, *FOLDER_OPTIONS]
    for kind in ("fifo", "device", "directory", "sparse")
    if not (kind == "directory" and option in FOLDER_OPTIONS)
]


@pytest.mark.parametrize(("option", "kind"), CASES)
def test_special_path_is_refused_at_once(run_cli, cli_env, tmp_path, option, kind) -> None:
    cli_env["COSMOFIT_STORE"] = str(tmp_path / "store")
    special = _special(kind, tmp_path)
    before = _state(tmp_path)
    args = {**FILE_OPTIONS, **FOLDER_OPTIONS}[option](special)
    started = time.monotonic()
    result = run_cli(*args)  # a hang fails by run_cli's timeout
    elapsed = time.monotonic() - started
    assert result.returncode in (1, 2), result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert str(special) in lines[0] and "Traceback" not in result.stderr
    assert _state(tmp_path) == before  # nothing written anywhere
    assert elapsed < 10.0, f"{option} {kind} took {elapsed:.1f} s"


def test_bounded_read_stops_at_the_limit(tmp_path) -> None:
    from cosmofit.safeio import FileTooLarge, NotARegularFile, read_bytes_bounded

    path = _special("sparse", tmp_path)
    started = time.monotonic()
    with pytest.raises(FileTooLarge, match="1.0 GiB, above the 4.0 KiB limit"):
        read_bytes_bounded(path, 4096)
    assert time.monotonic() - started < 1.0
    with pytest.raises(NotARegularFile, match="named pipe"):
        read_bytes_bounded(_special("fifo", tmp_path), 4096)  # O_NONBLOCK: no writer needed
    with pytest.raises(NotARegularFile, match="character device"):
        read_bytes_bounded("/dev/zero", 4096)
