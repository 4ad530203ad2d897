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


def check_symmetric(source: str, cov: np.ndarray, what: str = "covariance") -> None:
    """Raise DataError if a square ``cov`` is asymmetric beyond rounding (rtol 1e-10 of max |C|)."""
    scale = float(np.max(np.abs(cov)))
    asymmetry = np.abs(cov - cov.T)
    if float(np.max(asymmetry)) > _SYMMETRY_RTOL * scale:
        row, col = (int(i) for i in np.unravel_index(np.argmax(asymmetry), cov.shape))
        raise DataError(
            f"{source}: {what} is not symmetric (entry [{row}, {col}] differs from"
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


def check_covariance(
    source: str, cov: np.ndarray, size: int, what: str = "covariance", *, definite: bool = True
) -> None:
    """Raise DataError unless ``cov`` is a finite, symmetric, positive definite size x size.

    ``what`` names the matrix in messages (a release may ship the precision matrix);
    ``definite=False`` skips the Cholesky test for a caller that factors the matrix itself.
    """
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise DataError(f"{source}: {what} has shape {cov.shape}; expected a square matrix")
    if cov.shape[0] != size:
        raise DataError(
            f"{source}: {what} is {cov.shape[0]}x{cov.shape[1]} but there are {size} data"
            f" points; use the {what} from the same release"
        )
    if not np.all(np.isfinite(cov)):
        row, col = (int(i) for i in np.argwhere(~np.isfinite(cov))[0])
        raise DataError(
            f"{source}: {what}[{row}, {col}] is {cov[row, col]}; every entry must be finite"
        )
    check_symmetric(source, cov, what)
    if definite:
        cholesky_factor(source, cov, what)


def cholesky_factor(source: str, cov: np.ndarray, what: str = "covariance") -> np.ndarray:
    """The lower Cholesky factor of ``cov``, or a DataError saying it is not positive definite."""
    try:
        return cholesky_lower(cov)
    except np.linalg.LinAlgError:
        raise DataError(
            f"{source}: {what} is not positive definite; re-export it from the release"
            " or check the row selection"
        ) from None


def covariance_from_precision(source: str, precision: np.ndarray) -> np.ndarray:
    """The covariance C = P^-1 of a released precision matrix P, after validating P.

    P is checked like any covariance (finite, symmetric, positive definite) and
    inverted once through its Cholesky factor (P = L L^T, C = L^-T L^-1), so
    the likelihoods see an ordinary covariance. For DES-Dovekie (condition
    number ~6e7) the chi^2 from the inverted matrix equals r^T P r to ~1e-15
    relative.
    """
    import scipy.linalg

    what = "precision matrix"
    check_covariance(source, precision, precision.shape[0], what, definite=False)
    lower = cholesky_factor(source, precision, what)
    inverse_lower = scipy.linalg.solve_triangular(lower, np.eye(lower.shape[0]), lower=True)
    return inverse_lower.T @ inverse_lower


@dataclass(frozen=True, eq=False)
class GaussianPriorData:
    """A Gaussian on named parameters or derived quantities: means and covariance.

    One name is a plain prior (``bbn``: omega_b = 0.02218 +- 0.00055); several
    are a correlated compression (``planck_pr4_compressed``: theta*, omega_b,
    omega_bc). Whether each name exists is checked against the model at fit time.
    """

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
        """Raise DataError naming ``source`` unless names, means and covariance are usable."""
        if not self.names or any(not name.strip() for name in self.names):
            raise DataError(f"{source}: a Gaussian prior needs a non-empty name for each value")
        if len(set(self.names)) != len(self.names):
            raise DataError(f"{source}: names {self.names} repeat one; give each quantity once")
        _check_vector(source, "values", self.values, len(self.names))
        check_covariance(source, self.cov, self.values.size)


@dataclass(frozen=True, eq=False)
class CMBPriorData(GaussianPriorData):
    """CMB distance priors: values of (R, l_A, omega_b) and their covariance."""

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
    """Type Ia supernovae: cosmological and heliocentric redshifts, magnitudes, covariance.

    ``precision`` is set when the release ships the inverse covariance
    (DES-Dovekie): it is what gets embedded, and ``cov`` is its inverse.
    """

    z_cos: np.ndarray
    z_hel: np.ndarray
    m: np.ndarray
    cov: np.ndarray
    precision: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "z_cos", _frozen_array(self.z_cos, 1))
        object.__setattr__(self, "z_hel", _frozen_array(self.z_hel, 1))
        object.__setattr__(self, "m", _frozen_array(self.m, 1))
        object.__setattr__(self, "cov", _frozen_array(self.cov, 2))
        if self.precision is not None:
            object.__setattr__(self, "precision", _frozen_array(self.precision, 2))

    @classmethod
    def from_precision(
        cls, source: str, z_cos: object, z_hel: object, m: object, precision: np.ndarray
    ) -> SNData:
        """A record whose release gives the precision matrix; it is validated and inverted."""
        precision = np.asarray(precision, dtype=np.float64)
        size = np.asarray(m).size
        if precision.ndim != 2 or precision.shape != (size, size):
            raise DataError(
                f"{source}: precision matrix has shape {precision.shape} but there are {size}"
                " supernovae; use the matrix from the same release"
            )
        cov = covariance_from_precision(source, precision)
        return cls(z_cos=z_cos, z_hel=z_hel, m=m, cov=cov, precision=precision)

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
        if self.precision is not None:  # positive definite: checked when it was inverted
            what = "precision matrix"
            check_covariance(source, self.precision, self.m.size, what, definite=False)
        check_covariance(source, self.cov, self.m.size)


DatasetRecord = CMBPriorData | BAOData | SNData | GaussianPriorData


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
