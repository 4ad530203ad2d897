"""Checksums and writes: a dataset file is either complete and verified, or rejected.

Kept free of numpy so that hashing and writing specs stay cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from cosmofit.errors import DataError
from cosmofit.store.atomic import atomic_write_bytes, model_lock

#: Seconds a ``cosmofit data add`` waits for another one adding the same name.
LOCK_TIMEOUT_S = 30.0

_CHUNK = 1 << 20


def sha256_bytes(content: bytes) -> str:
    """Hex sha256 of ``content`` (for files already read into memory)."""
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks so large files need little memory."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror}); check the path") from None
    return digest.hexdigest()


def check_sha256(name: str, path: Path, actual: str, expected: str, *, builtin: bool) -> None:
    """Raise DataError unless ``actual`` equals ``expected`` (the hash recorded in the spec)."""
    if actual == expected:
        return
    fix = (
        "reinstall cosmofit"
        if builtin
        else f"re-add the dataset with `cosmofit data add {name} ... --overwrite`"
    )
    raise DataError(
        f"{name}: sha256 mismatch for {path} (expected {expected[:12]}..., got {actual[:12]}...);"
        f" {fix}"
    )


def write_dataset_file(path: Path, content: bytes) -> None:
    """Write a dataset file atomically, creating its folder: readers see the old file or the
    complete new one, never a partial write (an interrupted ``cosmofit data add`` leaves no
    broken dataset)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, content)
    except OSError as error:
        raise DataError(
            f"cannot write {path} ({error.strerror}); free space or point COSMOFIT_DATA_DIR"
            " at a writable directory"
        ) from None


@contextlib.contextmanager
def dataset_lock(directory: Path, name: str) -> Iterator[None]:
    """Hold ``<directory>/<name>.lock`` while a user dataset is replaced (one writer at a time)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(
            f"cannot create the dataset folder {directory} ({error.strerror}); point"
            " COSMOFIT_DATA_DIR at a writable directory"
        ) from None
    with model_lock(directory, name, LOCK_TIMEOUT_S):
        yield
