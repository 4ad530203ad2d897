"""Paths a user names on the command line, checked for kind and size before anything opens them.

``--from`` and ``--config`` must be regular files of a sane size; ``--store``
and ``--out`` must be directories or not exist yet (below a directory). A
named pipe would block the command forever, ``/dev/zero`` would never end, a
1 GiB "covariance" would be read whole before being rejected: each is a
one-line :class:`~cosmofit.errors.UsageError` instead, before anything is
opened or written. ``stat`` never blocks, whatever the path is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cosmofit.errors import UsageError
from cosmofit.safeio import FileTooLarge, UnreadableFile, check_regular, describe_kind


def check_input_file(
    path: Path | str, option: str, limit: int, *, error: type[UsageError] = UsageError
) -> Path:
    """``path`` if it is a regular file of at most ``limit`` bytes, else ``error`` (a UsageError).

    Symbolic links are followed (a link to a release file is fine).
    """
    path = Path(path).expanduser()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{option} {path}: no such file; check the path") from None
    except OSError as problem:
        raise error(f"{option} {path}: cannot access it ({problem.strerror})") from None
    try:
        check_regular(path, info.st_mode, info.st_size, limit)
    except FileTooLarge as problem:
        raise error(f"{option} {path} is {problem}; check that it is the right file") from None
    except UnreadableFile as problem:
        raise error(f"{option} {path} is {problem}; pass a regular file") from None
    return path


def check_directory(path: Path | str, option: str) -> Path:
    """``path`` if it is a directory or can become one (its nearest existing parent is one)."""
    path = Path(path).expanduser()
    candidate = path
    while True:
        try:
            info = os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):  # ENOTDIR: a file on the way up
            if candidate.parent == candidate:
                return path
            candidate = candidate.parent
            continue
        except OSError as error:
            raise UsageError(f"{option} {path}: cannot access it ({error.strerror})") from None
        if stat.S_ISDIR(info.st_mode):
            return path
        kind = describe_kind(info.st_mode)
        if candidate == path:
            raise UsageError(f"{option} {path} is {kind}, not a folder; give a folder")
        raise UsageError(
            f"{option} {path}: {candidate} is {kind}, not a folder; give a folder elsewhere"
        )
