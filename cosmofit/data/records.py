"""In-memory records of loaded datasets and the checks every record must pass.

The records are frozen and their arrays read-only because loaded datasets are
cached per process and shared by every likelihood that uses them: a consumer
must not be able to change the data another one sees.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cosmofit.errors import DataError

if TYPE_CHECKING:
    from cosmofit.data.registry import DatasetSpec

#: The observables a BAO dataset may contain (distances in units of the sound horizon).
BAO_KINDS: tuple[str, ...] = ("DV_over_rs", "DM_over_rs", "DH_over_rs", "rs_over_DV")

#: The CMB distance priors, in the order the CMB likelihood predicts them.
CMB_PRIOR_NAMES: tuple[str, ...] = ("R", "l_A", "omega_b")

_SYMMETRY_RTOL = 1e-10


def _frozen_array(values: object, ndim: int) -> np.ndarray:
    """A private, read-only float64 copy, so cached records cannot be altered."""
    array = np.array(values, dtype=np.float64, ndmin=ndim, copy=True)
    array.setflags(write=False)
    return array


def _check_vector(source: str, label: str, values: np.ndarray, size: int | None) -> None:
    if values.ndim != 1:
        raise DataError(f"{source}: {label} has shape {values.shape}; expected a 1-D column")
    if values.size == 0:
        raise DataError(f"{source}: {label} is empty; the file has no data rows")
    if size is not None and values.size != size:
        raise DataError(
            f"{source}: {label} has {values.size} entries but there are {size} data points;"
            " use files from the same release"
        )
    if not np.all(np.isfinite(values)):
        first = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(
            f"{source}: {label}[{first}] is {values[first]}; every value must be a finite number"
        )


def _check_redshifts(source: str, label: str, z: np.ndarray) -> None:
    if np.any(z <= 0):
        first = int(np.flatnonzero(z <= 0)[0])
        raise DataError(f"{source}: {label}[{first}] = {z[first]} but redshifts must be > 0")


def check_symmetric(source: str, cov: np.ndarray) -> None:
    """Raise DataError if a square ``cov`` is asymmetric beyond rounding (rtol 1e-10 of max |C|)."""
    scale = float(np.max(np.abs(cov)))
    asymmetry = np.abs(cov - cov.T)
    if float(np.max(asymmetry)) > _SYMMETRY_RTOL * scale:
        row, col = (int(i) for i in np.unravel_index(np.argmax(asymmetry), cov.shape))
        raise DataError(
            f"{source}: covariance is not symmetric (entry [{row}, {col}] differs from"
            f" [{col}, {row}]); check the file is the full matrix written row by row"
        )


_FACTORS: dict[int, tuple[weakref.ref, np.ndarray]] = {}


def cholesky_lower(cov: np.ndarray) -> np.ndarray:
    """The Cholesky factor L of ``cov`` (C = L L^T), computed once per read-only array.

    Validating a dataset and building its likelihood both need L; for a loaded
    (read-only) covariance the factor is remembered as long as the array lives.
    Raises ``numpy.linalg.LinAlgError`` if ``cov`` is not positive definite.
    """
    if cov.flags.writeable:  # it could change after this call: nothing to remember
        return np.linalg.cholesky(cov)
    key = id(cov)
    entry = _FACTORS.get(key)
    if entry is not None and entry[0]() is cov:
        return entry[1]
    lower = np.linalg.cholesky(cov)
    _FACTORS[key] = (weakref.ref(cov, lambda _, key=key: _FACTORS.pop(key, None)), lower)
    return lower


def check_covariance(source: str, cov: np.ndarray, size: int) -> None:
    """Raise DataError unless ``cov`` is a finite, symmetric, positive definite size x size."""
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise DataError(f"{source}: covariance has shape {cov.shape}; expected a square matrix")
    if cov.shape[0] != size:
        raise DataError(
            f"{source}: covariance is {cov.shape[0]}x{cov.shape[1]} but there are {size} data"
            " points; use the covariance from the same release"
        )
    if not np.all(np.isfinite(cov)):
        row, col = (int(i) for i in np.argwhere(~np.isfinite(cov))[0])
        raise DataError(
            f"{source}: covariance[{row}, {col}] is {cov[row, col]}; every entry must be finite"
        )
    check_symmetric(source, cov)
    try:
        cholesky_lower(cov)
    except np.linalg.LinAlgError:
        raise DataError(
            f"{source}: covariance is not positive definite; re-export it from the release"
            " or check the row selection"
        ) from None


@dataclass(frozen=True, eq=False)
class CMBPriorData:
    """CMB distance priors: values of (R, l_A, omega_b) and their covariance."""

    names: tuple[str, ...]
    values: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(str(name) for name in self.names))
        object.__setattr__(self, "values", _frozen_array(self.values, 1))
        object.__setattr__(self, "cov", _frozen_array(self.cov, 2))

    @property
    def n_points(self) -> int:
        return int(self.values.size)

    def validate(self, source: str) -> None:
        """Raise DataError naming ``source`` unless the record is usable by the CMB likelihood."""
        if self.names != CMB_PRIOR_NAMES:
            raise DataError(
                f"{source}: CMB priors are {self.names}; expected exactly {CMB_PRIOR_NAMES}"
                " in that order"
            )
        _check_vector(source, "values", self.values, len(self.names))
        check_covariance(source, self.cov, self.values.size)


@dataclass(frozen=True, eq=False)
class BAOData:
    """BAO distance ratios: redshift, value and kind of each point, and their covariance."""

    z: np.ndarray
    values: np.ndarray
    kinds: tuple[str, ...]
    cov: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "z", _frozen_array(self.z, 1))
        object.__setattr__(self, "values", _frozen_array(self.values, 1))
        object.__setattr__(self, "kinds", tuple(str(kind) for kind in self.kinds))
        object.__setattr__(self, "cov", _frozen_array(self.cov, 2))

    @property
    def n_points(self) -> int:
        return int(self.values.size)

    def validate(self, source: str) -> None:
        """Raise DataError naming ``source`` unless the record is usable by the BAO likelihood."""
        _check_vector(source, "values", self.values, None)
        _check_vector(source, "z", self.z, self.values.size)
        _check_redshifts(source, "z", self.z)
        if len(self.kinds) != self.values.size:
            raise DataError(
                f"{source}: {len(self.kinds)} kinds for {self.values.size} values;"
                " every BAO point needs a kind"
            )
        for index, kind in enumerate(self.kinds):
            if kind not in BAO_KINDS:
                raise DataError(
                    f"{source}: point {index} has unknown BAO kind {kind!r};"
                    f" use one of {', '.join(BAO_KINDS)}"
                )
        check_covariance(source, self.cov, self.values.size)


@dataclass(frozen=True, eq=False)
class SNData:
    """Type Ia supernovae: cosmological and heliocentric redshifts, magnitudes, covariance."""

    z_cos: np.ndarray
    z_hel: np.ndarray
    m: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "z_cos", _frozen_array(self.z_cos, 1))
        object.__setattr__(self, "z_hel", _frozen_array(self.z_hel, 1))
        object.__setattr__(self, "m", _frozen_array(self.m, 1))
        object.__setattr__(self, "cov", _frozen_array(self.cov, 2))

    @property
    def n_points(self) -> int:
        return int(self.m.size)

    def validate(self, source: str) -> None:
        """Raise DataError naming ``source`` unless the record is usable by the SN likelihood."""
        _check_vector(source, "m", self.m, None)
        _check_vector(source, "z_cos", self.z_cos, self.m.size)
        _check_vector(source, "z_hel", self.z_hel, self.m.size)
        _check_redshifts(source, "z_cos", self.z_cos)
        _check_redshifts(source, "z_hel", self.z_hel)
        check_covariance(source, self.cov, self.m.size)


DatasetRecord = CMBPriorData | BAOData | SNData


@dataclass(frozen=True, eq=False)
class LoadedDataset:
    """A dataset's registry entry together with its checked data."""

    spec: DatasetSpec
    data: DatasetRecord

    def redshift_range(self) -> list[float] | None:
        """[z_min, z_max] of the measurements (None for CMB distance priors)."""
        z = getattr(self.data, "z", None)
        if z is None:
            z = getattr(self.data, "z_cos", None)
        if z is None:
            return None
        return [float(z.min()), float(z.max())]
