"""Bounded, kind-checked reads: one way to open any file cosmofit did not just write itself.

A path may name a named pipe (opening it waits for a writer forever), a device
(``/dev/zero`` never ends), a directory, or a file far larger than its kind
can be. Every reader goes through :func:`read_bytes_bounded`, which opens
without blocking, checks on the open descriptor that it is a regular file no
larger than the limit, and only then reads. :func:`parse_json` turns every
way decoding can fail (bad syntax, bad UTF-8, nesting deep enough to exhaust
the recursion limit, memory) into a ``ValueError`` that callers treat as
"this file is corrupt".

Standard library only, so every layer may use it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

KIB = 1024
MIB = 1024 * KIB

#: Deepest nesting of JSON containers accepted; cosmofit's own files nest a few levels.
MAX_DEPTH = 64

#: Size limits per kind of file, far above anything cosmofit writes or a release ships.
#: A model document or a backup holds a handful of parameters (a few KiB).
DOCUMENT_LIMIT = 4 * MIB
#: One history or journal line; a whole history is read line by line.
LINE_LIMIT = 16 * MIB
#: A whole history or journal (read line by line, so this only bounds the time spent).
LOG_LIMIT = 1024 * MIB
#: A TOML configuration or a dataset spec.
CONFIG_LIMIT = 4 * MIB
#: A run's report file (``profile.json``, ``jackknife.json``).
RUN_REPORT_LIMIT = 256 * MIB
#: A release text file or an embedded dataset (Pantheon+ covariance text: ~50 MiB).
DATA_FILE_LIMIT = 512 * MIB


class UnreadableFile(Exception):
    """A path cannot be read safely; ``str()`` is the problem, ``path`` where."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(problem)
        self.path = Path(path)
        self.problem = problem


class NotARegularFile(UnreadableFile):
    """A directory, pipe, device or socket where a regular file is expected."""


class FileTooLarge(UnreadableFile):
    """A regular file above the size limit of its kind (rejected before it is read)."""


#: What each kind of path is called in messages, tested in this order.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISREG, "a file"),
)


def describe_kind(mode: int) -> str:
    """``"a directory"``, ``"a named pipe (FIFO)"``... for error messages."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def format_size(size: int) -> str:
    """``"1.0 GiB"``: sizes in the unit a person reads them in."""
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def check_regular(path: Path | str, mode: int, size: int, limit: int) -> None:
    """Raise unless ``mode``/``size`` (from a stat) describe a regular file within ``limit``."""
    if not stat.S_ISREG(mode):
        raise NotARegularFile(path, f"{describe_kind(mode)}, not a regular file")
    if size > limit:
        raise FileTooLarge(
            path, f"{format_size(size)}, above the {format_size(limit)} limit for this kind of file"
        )


def open_regular(path: Path | str, limit: int) -> int:
    """A read-only descriptor of ``path`` after checking kind and size on the descriptor.

    ``O_NONBLOCK`` keeps a FIFO from blocking the open; the checks run on the
    opened descriptor (``fstat``), so swapping the path in between changes nothing.
    Raises ``FileNotFoundError`` and other ``OSError``s as ``os.open`` does.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        check_regular(path, info.st_mode, info.st_size, limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes_bounded(path: Path | str, limit: int) -> bytes:
    """The content of regular file ``path``, refusing anything but a regular file <= ``limit``.

    Raises :class:`NotARegularFile`, :class:`FileTooLarge`, ``FileNotFoundError``
    or another ``OSError``. At most ``limit + 1`` bytes are ever read, even if
    the file grows while it is read.
    """
    fd = open_regular(path, limit)
    with os.fdopen(fd, "rb") as handle:
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge(path, f"grew above the {format_size(limit)} limit while being read")
    return content


def iter_lines_bounded(handle: BinaryIO, limit: int) -> Iterator[tuple[bytes | None, bool]]:
    """``(line, terminated)`` for each line of ``handle`` without its newline.

    A line longer than ``limit`` is skipped without being held in memory and
    yields ``(None, terminated)``: the caller reports it as corrupt. Only the
    last line can be unterminated (an interrupted append).
    """
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n"):
            yield line[:-1], True
        elif len(line) <= limit:
            yield line, False  # the file ends without a newline
        else:
            terminated = False
            while chunk := handle.readline(MIB):
                if chunk.endswith(b"\n"):
                    terminated = True
                    break
            yield None, terminated


def parse_json(raw: bytes | str) -> Any:
    """``json.loads`` where every failure is a ``ValueError`` (corrupt content, never a crash).

    Nesting deep enough to exhaust Python's recursion limit and inputs that
    exhaust memory are corruption too; ``UnicodeDecodeError`` and
    ``JSONDecodeError`` already are ``ValueError``s.
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except MemoryError:
        raise ValueError("JSON too large to decode in memory") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests containers deeper than ``limit`` (iterative: no recursion).

    Values that parse but nest close to the recursion limit would crash the
    first recursive consumer (validation, printing, re-serialising) instead.
    """
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def read_json_bounded(path: Path | str, limit: int) -> Any:
    """:func:`read_bytes_bounded` then :func:`parse_json`."""
    return parse_json(read_bytes_bounded(path, limit))


def short_reason(error: BaseException) -> str:
    """A compact one-line description of a read, parse or validation failure."""
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start})"
    if isinstance(error, UnreadableFile):
        return error.problem
    errors = getattr(error, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            first = found[0]
            location = ".".join(str(part) for part in first.get("loc", ())) or "document"
            return f"schema violation at {location}: {first.get('msg', 'invalid')}"
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
