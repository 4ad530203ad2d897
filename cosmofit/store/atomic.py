"""Crash-safe file primitives: atomic replace, durable append and a per-model lock.

A process can be killed at any instant. ``atomic_write_text`` therefore never
modifies a file in place: the new content is made durable in a temporary file
first and then swapped in with ``os.replace``, so readers see either the old
or the new file. History lines are appended with a single ``write`` call and
synced; if a write is ever torn (power loss, full disk) the damaged line is the
last one, it is not valid JSON, and readers skip it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import portalocker

from cosmofit.errors import StoreError

#: How often a waiting process retries the lock; short, because updates are fast.
_LOCK_POLL_S = 0.005

#: Bytes read per step when searching backwards for the last newline.
_TAIL_CHUNK = 65536

#: Permissions of newly created store files (the history uses the same).
_NEW_FILE_MODE = 0o644

#: Temporary files are hidden and end with this suffix, so stale ones are easy to find.
TEMP_SUFFIX = ".tmp"


def _fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (a no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` may write less than asked; loop until everything is written."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def temp_prefix(path: Path) -> str:
    """Name prefix of the temporary files used to replace ``path``."""
    return f".{path.name}."


def atomic_write_bytes(path: Path | str, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that a crash leaves the old or the new file.

    The temporary file lives in the same directory (``os.replace`` is only
    atomic within one file system) and is removed if anything fails before
    the swap.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        try:
            if os.name == "posix":
                os.fchmod(fd, mode)  # mkstemp makes 0600; keep the replaced file's mode
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path | str, text: str) -> None:
    """:func:`atomic_write_bytes` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def keep_aside(path: Path | str, aside: Path | str) -> None:
    """Give the current content of ``path`` the second name ``aside``; ``path`` stays in place.

    A hard link costs nothing and cannot be half-done; where links are not
    supported the bytes are copied atomically instead. Either way ``path`` is
    untouched, so the caller can then replace it in one rename.
    """
    path, aside = Path(path), Path(aside)
    try:
        os.link(path, aside)
    except FileExistsError:
        raise
    except OSError:
        atomic_write_bytes(aside, path.read_bytes())
        return
    _fsync_directory(aside.parent)


def append_line(path: Path | str, line: str) -> None:
    """Append ``line`` plus a newline in one ``write`` call and sync it to disk.

    One system call per record means a killed process leaves either nothing or
    the whole line; only a power loss or a full disk can tear it, and then the
    torn part is the unterminated tail that :func:`read_torn_tail` finds.
    """
    if "\n" in line:
        raise ValueError("a history line must not contain a newline")
    append_lines(path, [line])


def append_lines(path: Path | str, lines: list[str]) -> None:
    """Append several lines in one ``write`` call and sync them (a chain segment).

    A kill leaves the lines before the call, or all of them, or, only on a torn
    write, an unterminated tail that readers drop.
    """
    if any("\n" in line for line in lines):
        raise ValueError("an appended line must not contain a newline")
    if not lines:
        return
    path = Path(path)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _NEW_FILE_MODE)
    try:
        _write_all(fd, ("\n".join(lines) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_directory(path.parent)


def read_torn_tail(path: Path | str) -> tuple[int, bytes] | None:
    """``(offset, fragment)`` of an unterminated last line of ``path``, else ``None``.

    Reads only; the store decides under its lock what to do with the fragment.
    """
    try:
        with open(path, "rb") as handle:
            return _torn_tail(handle)
    except FileNotFoundError:
        return None


def _torn_tail(handle: BinaryIO) -> tuple[int, bytes] | None:
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return None
    handle.seek(size - 1)
    if handle.read(1) == b"\n":
        return None
    start = size
    while start > 0:
        block_start = max(0, start - _TAIL_CHUNK)
        handle.seek(block_start)
        index = handle.read(start - block_start).rfind(b"\n")
        if index >= 0:
            start = block_start + index + 1
            break
        start = block_start
    handle.seek(start)
    return start, handle.read()


def truncate_durably(path: Path | str, size: int) -> None:
    """Cut ``path`` to ``size`` bytes and sync (drops a torn tail already saved elsewhere)."""
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def remove_stale_temps(directory: Path, prefix: str) -> int:
    """Delete temporary files left by killed writers; call only under the lock.

    Holding the lock guarantees no live writer owns a temp file with this
    prefix, so anything found is garbage from an interrupted write.
    """
    if not directory.is_dir():
        return 0
    removed = 0
    for candidate in directory.glob(f"{prefix}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def model_lock(root: Path | str, model: str, timeout: float) -> Iterator[Path]:
    """Hold the exclusive lock ``<root>/<model>.lock`` for a read-modify-write.

    The lock file is never deleted (deleting it would let two processes lock
    two different files); the operating system releases the lock when its
    holder exits, even when it is killed.
    """
    lock_path = Path(root) / f"{model}.lock"
    lock = portalocker.Lock(
        lock_path,
        mode="a",
        timeout=timeout,
        check_interval=_LOCK_POLL_S,
        fail_when_locked=False,
        flags=portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING,
    )
    try:
        lock.acquire()
    except portalocker.exceptions.LockException:
        raise StoreError(
            f"another cosmofit process holds {lock_path} (waited {timeout:g} s); wait for it "
            "to finish, or remove a stale lock only if no cosmofit is running"
        ) from None
    except OSError as error:
        raise StoreError(
            f"cannot open lock file {lock_path} ({error.strerror}); check that the store "
            "directory is writable or point COSMOFIT_STORE elsewhere"
        ) from None
    try:
        yield lock_path
    finally:
        lock.release()
