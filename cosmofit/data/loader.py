"""Loading datasets by name (verified, validated, cached) and adding a user's own datasets.

Every load checks the embedded file's sha256 against the registry and
validates the arrays, because a fit on silently corrupted data is worse than
no fit. Loaded datasets are cached per process: a joint fit, a profile and a
scan in one session read each file once.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from cosmofit.data import registry
from cosmofit.data.formats import (
    embedded_bytes,
    gaussian_prior,
    read_bao_release,
    read_bao_single,
    read_cmb_priors,
    read_des_dovekie,
    read_embedded,
    read_pantheon_plus,
    read_union3,
    sn_table_style,
)
from cosmofit.data.integrity import (
    check_sha256,
    dataset_lock,
    sha256_bytes,
    write_dataset_file,
)
from cosmofit.data.records import DatasetRecord, LoadedDataset
from cosmofit.data.registry import DatasetSpec
from cosmofit.errors import DataError, UsageError
from cosmofit.limits import MAX_NAME_LENGTH
from cosmofit.safeio import DATA_FILE_LIMIT, UnreadableFile, read_bytes_bounded

PathLike = str | os.PathLike[str]

#: What each kind of user dataset is read from, for error messages.
_RELEASE_FILES = {
    "cmb": "2 files: 'name value sigma' values, then the correlation matrix",
    "bao": "2 files ('z value kind' means, then the covariance) or 1 'z value sigma kind' file",
    "sn": (
        "2 files: the SN table (Pantheon+ .dat, Union3 lcparam or DES HD .csv), then its"
        " covariance (DES: the STAT+SYS.npz precision matrix)"
    ),
}


def dataset_location(spec: DatasetSpec) -> str:
    """Where the embedded file of ``spec`` is (for messages and ``cosmofit data info``)."""
    if spec.builtin:
        return str(resources.files("cosmofit.data").joinpath("embedded", spec.filename))
    return str(registry.user_data_dir() / spec.filename)


def _read_bytes(spec: DatasetSpec, location: str) -> bytes:
    try:
        if spec.builtin:
            return resources.files("cosmofit.data").joinpath("embedded", spec.filename).read_bytes()
        return read_bytes_bounded(location, DATA_FILE_LIMIT)
    except UnreadableFile as error:
        raise DataError(
            f"{spec.name}: data file {location} is {error}; re-add it with `cosmofit data add`"
        ) from None
    except FileNotFoundError:
        fix = "reinstall cosmofit" if spec.builtin else "re-add it with `cosmofit data add`"
        raise DataError(f"{spec.name}: data file {location} is missing; {fix}") from None
    except OSError as error:
        raise DataError(
            f"{spec.name}: cannot read {location} ({error.strerror}); check its permissions"
        ) from None


@functools.lru_cache(maxsize=32)
def _load_cached(spec: DatasetSpec, location: str, verify: bool) -> LoadedDataset:
    """Read, verify and validate once per (spec incl. name and sha256, file, verify)."""
    content = _read_bytes(spec, location)
    if verify:
        actual = sha256_bytes(content)
        check_sha256(spec.name, Path(location), actual, spec.sha256, builtin=spec.builtin)
    record = read_embedded(location, spec, content=content)
    record.validate(f"{spec.name} ({location})")
    return LoadedDataset(spec=spec, data=record)


def load_dataset(name_or_spec: str | DatasetSpec, verify: bool = True) -> LoadedDataset:
    """A dataset by name, alias or spec; ``verify=False`` skips only the sha256 check."""
    spec = registry.get_dataset(name_or_spec) if isinstance(name_or_spec, str) else name_or_spec
    return _load_cached(spec, dataset_location(spec), verify)


def clear_cache() -> None:
    """Forget loaded datasets (benchmarks and tests that rewrite files)."""
    _load_cached.cache_clear()


def read_release_files(kind: str, files: Sequence[PathLike]) -> DatasetRecord:
    """Parse the official release files of a ``kind``; file count and header pick the reader."""
    paths = [Path(file) for file in files]
    if kind == "prior":
        raise UsageError(
            "a prior is not read from files; give --param P --mean M --sigma S instead of --from"
        )
    if kind not in _RELEASE_FILES:
        raise UsageError(f"unknown dataset kind {kind!r}; use one of cmb, bao, sn, prior")
    if kind == "cmb" and len(paths) == 2:
        return read_cmb_priors(*paths)
    if kind == "bao" and len(paths) == 2:
        return read_bao_release(*paths)
    if kind == "bao" and len(paths) == 1:
        return read_bao_single(paths[0])
    if kind == "sn" and len(paths) == 2:
        readers = {"pantheon": read_pantheon_plus, "union3": read_union3, "des": read_des_dovekie}
        return readers[sn_table_style(paths[0])](*paths)
    raise UsageError(f"a {kind} dataset is read from {_RELEASE_FILES[kind]}; got {len(paths)}")


def _check_new_user_name(name: str, overwrite: bool) -> Path:
    """Refuse invalid, built-in or taken (unless ``overwrite``) names; return the spec path."""
    if not re.fullmatch(registry.USER_NAME_PATTERN, name) or name == "joint":
        raise UsageError(
            f"dataset name {name!r} is not allowed; use lower-case letters, digits, '_', '.'"
            " or '-' (and not 'joint')"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"dataset name {name[:20]!r}... has {len(name)} characters, above the limit of"
            f" {MAX_NAME_LENGTH}; choose a shorter name"
        )
    directory = registry.user_data_dir()
    existing = registry.find_dataset(name)
    if existing is not None and (existing.builtin or existing.name != name):
        raise UsageError(
            f"{name!r} is a built-in dataset name or alias; choose another name for your dataset"
        )
    spec_path = directory / f"{name}.json"
    if not overwrite and (existing is not None or spec_path.exists()):
        raise _exists(name, directory)
    return spec_path


def _store_user_dataset(
    name: str, kind: str, record: DatasetRecord, citation: str, title: str, overwrite: bool
) -> DatasetSpec:
    """Store ``record`` as ``<name>.<sha256[:16]>.npz`` + ``<name>.json`` and register it.

    The data file is named by its content, so it never replaces the file the
    current spec names; the spec (which holds the file name and its sha256) is
    then swapped in by one atomic rename: that rename is the commit, and a
    process killed at any instant leaves the old dataset or the new one, each
    with its matching checksum. The whole update holds the dataset's lock, so
    of two concurrent adds of one name without ``overwrite`` exactly one
    succeeds.
    """
    directory = registry.user_data_dir()
    spec_path = directory / f"{name}.json"
    content = embedded_bytes(record, citation=citation)
    sha256 = sha256_bytes(content)
    spec = DatasetSpec(
        name=name,
        kind=kind,  # type: ignore[arg-type]  # checked by the caller
        title=title,
        citation=citation,
        n_points=record.n_points,
        filename=f"{name}.{sha256[:16]}.npz",
        sha256=sha256,
        builtin=False,
    )
    with dataset_lock(directory, name):
        if not overwrite and spec_path.exists():
            raise _exists(name, directory)  # another process added it meanwhile
        replaced = _spec_on_disk(spec_path)
        write_dataset_file(directory / spec.filename, content)
        write_dataset_file(spec_path, (spec.model_dump_json(indent=2) + "\n").encode())
        if (
            replaced is not None
            and replaced.filename != spec.filename
            and replaced.filename.startswith(f"{name}.")
        ):
            # No spec names it now; if it cannot be removed it is only unused bytes.
            with contextlib.suppress(OSError):
                (directory / replaced.filename).unlink(missing_ok=True)
    if registry.find_dataset(name) is not None:
        registry.unregister_dataset(name)
    registry.register_dataset(spec)
    return spec


def add_user_dataset(
    name: str,
    kind: str,
    files: Sequence[PathLike],
    citation: str | None = None,
    *,
    title: str | None = None,
    overwrite: bool = False,
) -> DatasetSpec:
    """Parse release ``files`` and store them as a user dataset (see _store_user_dataset).

    A built-in name or alias is never replaced; an existing user dataset only
    with ``overwrite=True``.
    """
    _check_new_user_name(name, overwrite)
    paths = [Path(file) for file in files]
    record = read_release_files(kind, paths)
    if not citation:
        citation = "user-supplied: " + ", ".join(path.name for path in paths)
    title = title or f"{name} (user {kind} dataset from {paths[0].name})"
    return _store_user_dataset(name, kind, record, citation, title, overwrite)


def add_user_prior(
    name: str,
    param: str,
    mean: float,
    sigma: float,
    citation: str | None = None,
    *,
    overwrite: bool = False,
) -> DatasetSpec:
    """Register a Gaussian prior ``param = mean +- sigma`` as a user dataset of kind "prior".

    Whether ``param`` exists is checked against the model when a fit uses the prior
    (and by ``cosmofit data add`` against every model's parameters and derived quantities).
    """
    _check_new_user_name(name, overwrite)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", param):
        raise UsageError(f"--param {param!r} is not a parameter name; e.g. --param H0")
    if not (math.isfinite(mean) and math.isfinite(sigma) and sigma > 0):
        raise UsageError(
            f"prior {name!r}: --mean {mean} and --sigma {sigma} must be finite with sigma > 0"
        )
    record = gaussian_prior(param, mean, sigma, source=f"prior {name!r}")
    citation = citation or f"user-supplied prior {param} = {mean:g} +- {sigma:g}"
    title = f"{name}: Gaussian prior {param} = {mean:g} +- {sigma:g}"
    return _store_user_dataset(name, "prior", record, citation, title, overwrite)


def _exists(name: str, directory: Path) -> UsageError:
    return UsageError(
        f"dataset {name!r} already exists in {directory}; pass --overwrite to replace it"
    )


def _spec_on_disk(path: Path) -> DatasetSpec | None:
    """The user spec at ``path`` if it exists and is readable (a broken one is replaced)."""
    try:
        return DatasetSpec.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None
