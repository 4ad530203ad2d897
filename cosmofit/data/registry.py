"""The registry of named datasets: built-in ones and those a user added.

This module is imported by ``cosmofit data list`` and ``--help``, so it must
not import numpy: specs are plain configuration (pydantic models) and the
data files are only opened by :mod:`cosmofit.data.loader`.

Built-in specs are registered at import; user datasets (``<name>.json`` specs
in :func:`user_data_dir`) are scanned on the first lookup, and again whenever
the user data directory changes (e.g. ``COSMOFIT_DATA_DIR`` in tests).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)

from cosmofit.data.builtin import BUILTIN_DATASETS
from cosmofit.errors import CosmofitError, DataError, UsageError

DatasetKind = Literal["cmb", "bao", "sn"]

#: The pseudo-name ``joint`` stands for one dataset of each kind.
JOINT = ("cmb", "bao", "sn")

#: Names (and aliases) are lower-case words; '+' is allowed for ``pantheon+``.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.+-]*$"
#: User dataset names become file names, so they may not contain '+'.
USER_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class DatasetSpec(BaseModel):
    """What a dataset is, where its embedded file lives and the sha256 that file must have."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    aliases: tuple[str, ...] = ()
    kind: DatasetKind
    title: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    n_points: int = Field(gt=0)
    filename: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.npz$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    builtin: bool = True
    #: Keyword options of the dataset's likelihood as (name, value) pairs, for data
    #: published under a convention of their own (6dFGS: ``rd_rescale``). Given as a
    #: mapping in configuration; kept as sorted pairs so the spec stays hashable.
    options: tuple[tuple[str, float], ...] = ()

    @field_validator("options", mode="before")
    @classmethod
    def _options_from_mapping(cls, value: object) -> object:
        if isinstance(value, Mapping):
            return tuple(sorted(value.items()))
        return value

    @field_serializer("options")
    def _options_as_mapping(self, options: tuple[tuple[str, float], ...]) -> dict[str, float]:
        return dict(options)

    @property
    def likelihood_options(self) -> dict[str, float]:
        return dict(self.options)


DATASETS: dict[str, DatasetSpec] = {}
_ALIASES: dict[str, str] = {}
#: Problems found while scanning the user data directory, by dataset (file stem) name.
_USER_PROBLEMS: dict[str, DataError] = {}
_user_dir_scanned: Path | None = None


def user_data_dir() -> Path:
    """Where user-added datasets live: ``$COSMOFIT_DATA_DIR`` or the platform data directory."""
    override = os.environ.get("COSMOFIT_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("cosmofit") / "datasets"


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    """Add ``spec``; a name or alias already taken (or ``joint``) is a programming error."""
    for label in (spec.name, *spec.aliases):
        if label == "joint" or label in DATASETS or label in _ALIASES:
            raise KeyError(f"dataset name or alias {label!r} is already registered")
    if len(set(spec.aliases)) != len(spec.aliases) or spec.name in spec.aliases:
        raise KeyError(f"dataset {spec.name!r} repeats a name in its aliases {spec.aliases}")
    DATASETS[spec.name] = spec
    for alias in spec.aliases:
        _ALIASES[alias] = spec.name
    return spec


def unregister_dataset(name: str) -> None:
    """Remove a dataset and its aliases (used when a user dataset is replaced)."""
    spec = DATASETS.pop(name)
    for alias in spec.aliases:
        _ALIASES.pop(alias, None)


def refresh_user_datasets() -> None:
    """Forget the registered user datasets and scan the user data directory again."""
    global _user_dir_scanned
    for name in [name for name, spec in DATASETS.items() if not spec.builtin]:
        unregister_dataset(name)
    _USER_PROBLEMS.clear()
    directory = user_data_dir()
    _user_dir_scanned = directory
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        try:
            spec = DatasetSpec.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as error:
            problem = str(error).splitlines()[0]
            _USER_PROBLEMS[path.stem] = DataError(
                f"{path}: not a valid dataset spec ({problem}); delete it or re-add the"
                " dataset with `cosmofit data add`"
            )
            continue
        if spec.builtin or path.stem != spec.name:
            _USER_PROBLEMS[path.stem] = DataError(
                f"{path}: spec is for {spec.name!r} (builtin={spec.builtin}), not user dataset"
                f" {path.stem!r}; delete it or re-add it with `cosmofit data add`"
            )
            continue
        try:
            register_dataset(spec)
        except KeyError:
            _USER_PROBLEMS[path.stem] = DataError(
                f"{path}: dataset {spec.name!r} clashes with an existing name or alias;"
                " delete it and re-add it under another name with `cosmofit data add`"
            )


def _ensure_user_datasets() -> None:
    if _user_dir_scanned != user_data_dir():
        refresh_user_datasets()


def available_datasets() -> list[DatasetSpec]:
    """Every registered dataset: built-ins first, then user datasets, each in name order."""
    _ensure_user_datasets()
    return sorted(DATASETS.values(), key=lambda spec: (not spec.builtin, spec.name))


def user_dataset_problems() -> list[DataError]:
    """Unreadable specs found in the user data directory (for ``cosmofit data list``)."""
    _ensure_user_datasets()
    return list(_USER_PROBLEMS.values())


def _unknown(label: str) -> CosmofitError:
    """The error for an unknown name: a broken user spec of that name, or a did-you-mean."""
    if label in _USER_PROBLEMS:
        return _USER_PROBLEMS[label]
    known = sorted([*DATASETS, *_ALIASES, "joint"])
    close = difflib.get_close_matches(label, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return UsageError(f"unknown dataset {label!r}; {hint}valid names: {', '.join(known)}")


def find_dataset(name: str) -> DatasetSpec | None:
    """The spec registered under ``name`` or one of its aliases, or None."""
    _ensure_user_datasets()
    label = name.strip().lower()
    return DATASETS.get(_ALIASES.get(label, label))


def get_dataset(name: str) -> DatasetSpec:
    """The spec registered under ``name`` or one of its aliases (case and blanks ignored)."""
    spec = find_dataset(name)
    if spec is None:
        raise _unknown(name.strip().lower())
    return spec


def resolve_datasets(text: str | Sequence[str]) -> list[DatasetSpec]:
    """``"cmb, bao,sn"`` or ``["joint"]`` -> specs, deduplicated in the order given."""
    parts = [text] if isinstance(text, str) else list(text)
    labels = [label.strip().lower() for part in parts for label in part.split(",")]
    labels = [label for label in labels if label]
    if not labels:
        raise UsageError("no dataset given; name one or more, e.g. cmb,bao,sn or joint")
    specs: dict[str, DatasetSpec] = {}
    for label in labels:
        for item in JOINT if label == "joint" else (label,):
            spec = get_dataset(item)
            specs.setdefault(spec.name, spec)
    return list(specs.values())


for _entry in BUILTIN_DATASETS:
    register_dataset(DatasetSpec(**_entry))
del _entry
