"""Readers of the official release formats, and cosmofit's own compact embedded format.

Release files are parsed strictly: a wrong column count, a non-number, a
count header that disagrees with the values, or a NaN is a DataError naming
the file (and the line where there is one), because a silently misread
covariance gives plausible but wrong fits.

The embedded format is a zip of ``.npy`` arrays readable with
``np.load(allow_pickle=False)``; see :func:`write_embedded`.
"""

from __future__ import annotations

import io
import math
import os
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cosmofit.data.integrity import sha256_bytes, write_dataset_file
from cosmofit.data.records import (
    BAO_KINDS,
    CMB_PRIOR_NAMES,
    BAOData,
    CMBPriorData,
    DatasetRecord,
    GaussianPriorData,
    SNData,
    check_symmetric,
)
from cosmofit.errors import DataError

if TYPE_CHECKING:
    from cosmofit.data.registry import DatasetSpec

PathLike = str | os.PathLike[str]

#: Version of the embedded layout; bump it when the stored arrays change meaning.
EMBEDDED_FORMAT_VERSION = 1

#: Arrays each kind stores, besides ``format_version``, ``kind`` and ``citation``.
EMBEDDED_ARRAYS = {
    "cmb": ("names", "values", "cov"),
    "bao": ("z", "values", "kinds", "cov"),
    "sn": ("z_cos", "z_hel", "m"),
    "prior": ("names", "values", "cov"),
}
#: An SN file stores exactly one of these: the covariance or (DES-Dovekie) the precision
#: matrix, as the row-major upper triangle.
SN_MATRIX_ARRAYS = ("cov_upper", "precision_upper")

#: Zip members get this fixed timestamp so that rebuilding a file reproduces its sha256.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: A member is deflated only if that saves at least this fraction of its size: float
#: covariances barely compress (~9%) and inflating them would double the load time.
_MIN_DEFLATE_GAIN = 0.10
_DEFLATE_LEVEL = 6

#: Names the CMB value files use for each prior.
_CMB_NAME_ALIASES = {
    "R": "R",
    "lA": "l_A",
    "l_A": "l_A",
    "omega_b": "omega_b",
    "omegabh2": "omega_b",
    "ombh2": "omega_b",
}


# --------------------------------------------------------------------------- text parsing


def _read_text(path: Path) -> str:
    from cosmofit.safeio import DATA_FILE_LIMIT, UnreadableFile, read_bytes_bounded

    try:
        return read_bytes_bounded(path, DATA_FILE_LIMIT).decode("utf-8")
    except UnreadableFile as error:
        raise DataError(f"{path} is {error}; pass the release's text file") from None
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file; pass the release's text file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror}); check the path") from None


def _data_lines(text: str) -> list[tuple[int, list[str]]]:
    """(1-based line number, tokens) of each line that is neither blank nor a ``#`` comment."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rows.append((lineno, stripped.split()))
    return rows


def _number(token: str, path: Path, lineno: int, what: str) -> float:
    """``float(token)``, or a DataError pointing at the line if it is not a finite number."""
    try:
        value = float(token)
    except ValueError:
        raise DataError(
            f"{path}, line {lineno}: {what} {token!r} is not a number; fix or re-download the file"
        ) from None
    if not math.isfinite(value):
        raise DataError(
            f"{path}, line {lineno}: {what} is {token}; every value must be a finite number"
        )
    return value


def _expect_width(path: Path, lineno: int, tokens: list[str], width: int, layout: str) -> None:
    if len(tokens) != width:
        raise DataError(
            f"{path}, line {lineno}: {len(tokens)} columns, expected {width} ({layout});"
            " check the file format"
        )


def _read_matrix(path: Path, size: int) -> np.ndarray:
    """A ``size`` x ``size`` matrix written as ``size`` whitespace-separated rows."""
    rows = _data_lines(_read_text(path))
    if len(rows) != size:
        problem = "is truncated" if len(rows) < size else "has extra rows"
        raise DataError(
            f"{path}: {len(rows)} rows but the data have {size} points, so the matrix {problem};"
            " use the matrix from the same release"
        )
    matrix = np.empty((size, size))
    for index, (lineno, tokens) in enumerate(rows):
        _expect_width(path, lineno, tokens, size, f"a {size}x{size} matrix")
        matrix[index] = [_number(token, path, lineno, "entry") for token in tokens]
    return matrix


def _locate_bad_value(path: Path, text: str) -> DataError:
    """The precise error for a file the fast parser rejected (slow, only on failure)."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        for token in line.split():
            _number(token, path, lineno, "value")
    return DataError(f"{path}: could not parse the numbers; re-download the file")


def _read_counted_matrix(path: Path) -> np.ndarray:
    """A square matrix stored as its size N, then N*N values row by row (SN releases).

    ``np.fromstring`` parses the 2.9 million Pantheon+ values about 4x faster
    than splitting the text; only when it fails are the lines rescanned to
    report where.
    """
    text = _read_text(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            values = np.fromstring(text, sep=" ")
        except (ValueError, DeprecationWarning):
            raise _locate_bad_value(path, text) from None
    if not np.all(np.isfinite(values)):
        raise _locate_bad_value(path, text)
    if values.size == 0:
        raise DataError(f"{path}: no numbers found; expected N then N*N covariance values")
    first = float(values[0])
    if not (first.is_integer() and first >= 1):
        raise DataError(
            f"{path}, line 1: first value {first:g} should be the matrix size N;"
            " expected N then N*N covariance values"
        )
    size = int(first)
    found = values.size - 1
    if found != size * size:
        raise DataError(
            f"{path}: header says N={size}, so {size * size} values should follow, but found"
            f" {found}; the file is truncated or not from this release"
        )
    return values[1:].reshape(size, size)


def _require_columns(
    path: Path, line: int, what: str, header: Sequence[str], columns: Sequence[str]
) -> None:
    """A DataError pointing at the header line if it lacks one of ``columns``."""
    missing = [name for name in columns if name not in header]
    if missing:
        raise DataError(
            f"{path}, line {line}: {what} lacks column {missing[0]!r};"
            f" expected a table with columns {', '.join(columns)}"
        )


def _read_named_table(
    path: Path, columns: Sequence[str], *, trailing_name_extra: bool = False
) -> dict[str, np.ndarray]:
    """Columns picked by header name from a whitespace table whose first line names them.

    With ``trailing_name_extra`` rows may also have one column fewer than the
    header names (Union3's header names a trailing column its rows lack); the
    needed columns are all before it, so they are still found by name.
    """
    rows = []
    header: list[str] | None = None
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if header is None:
            header = stripped.lstrip("#").split()
            header_line = lineno
        elif not stripped.startswith("#"):
            rows.append((lineno, stripped.split()))
    if header is None or not rows:
        raise DataError(f"{path}: no header line and data rows found; check the file format")
    _require_columns(path, header_line, "header", header, columns)
    widths = {len(header), len(header) - 1} if trailing_name_extra else {len(header)}
    width = len(rows[0][1])
    if width not in widths:
        raise DataError(
            f"{path}, line {rows[0][0]}: {width} columns but the header names {len(header)};"
            " check the file format"
        )
    indices = {name: header.index(name) for name in columns}
    lost = [name for name, index in indices.items() if index >= width]
    if lost:
        raise DataError(
            f"{path}, line {rows[0][0]}: rows have {width} columns, too few to hold {lost[0]!r};"
            " check the file format"
        )
    table = {name: np.empty(len(rows)) for name in columns}
    for row, (lineno, tokens) in enumerate(rows):
        _expect_width(path, lineno, tokens, width, "as on the first data row")
        for name, index in indices.items():
            table[name][row] = _number(tokens[index], path, lineno, name)
    return table


def _source(main: Path, other: Path) -> str:
    """Label for checks that involve two release files (the covariance one first)."""
    return f"{main} (with {other.name})"


# --------------------------------------------------------------------------- release readers


def read_cmb_priors(value_file: PathLike, corr_file: PathLike) -> CMBPriorData:
    """CMB distance priors from a ``name value sigma`` file and their correlation matrix.

    The correlation rows follow the value file's row order (as in the release);
    the result is always in the order R, l_A, omega_b that the likelihood expects.
    """
    value_path, corr_path = Path(value_file), Path(corr_file)
    rows = _data_lines(_read_text(value_path))
    found: dict[str, tuple[int, float, float]] = {}
    for position, (lineno, tokens) in enumerate(rows):
        _expect_width(value_path, lineno, tokens, 3, "name value sigma")
        name = _CMB_NAME_ALIASES.get(tokens[0])
        if name is None:
            raise DataError(
                f"{value_path}, line {lineno}: unknown prior {tokens[0]!r};"
                " expected R, lA and omega_b"
            )
        if name in found:
            raise DataError(
                f"{value_path}, line {lineno}: {tokens[0]!r} is given twice; keep one row"
            )
        value = _number(tokens[1], value_path, lineno, "value")
        sigma = _number(tokens[2], value_path, lineno, "sigma")
        if sigma <= 0:
            raise DataError(
                f"{value_path}, line {lineno}: sigma {tokens[2]} must be positive; fix the file"
            )
        found[name] = (position, value, sigma)
    absent = [name for name in CMB_PRIOR_NAMES if name not in found]
    if absent:
        raise DataError(f"{value_path}: no row for {absent[0]!r}; expected R, lA and omega_b")
    corr = _read_matrix(corr_path, len(CMB_PRIOR_NAMES))
    if not np.allclose(np.diag(corr), 1.0, rtol=0, atol=1e-12) or np.any(np.abs(corr) > 1):
        raise DataError(
            f"{corr_path}: not a correlation matrix (diagonal must be 1, entries in [-1, 1]);"
            " pass the correlation file, not the covariance"
        )
    order = [found[name][0] for name in CMB_PRIOR_NAMES]
    values = np.array([found[name][1] for name in CMB_PRIOR_NAMES])
    sigma = np.array([found[name][2] for name in CMB_PRIOR_NAMES])
    cov = corr[np.ix_(order, order)] * np.outer(sigma, sigma)
    record = CMBPriorData(names=CMB_PRIOR_NAMES, values=values, cov=cov)
    record.validate(_source(corr_path, value_path))
    return record


def read_gaussian_prior(file: PathLike, line: int) -> GaussianPriorData:
    """One ``parameter value sigma [source...]`` row of a priors text file, by 1-based line."""
    path = Path(file)
    rows = dict(_data_lines(_read_text(path)))
    if line not in rows:
        raise DataError(
            f"{path}: line {line} is not a 'parameter value sigma' row; lines with rows:"
            f" {sorted(rows)}"
        )
    tokens = rows[line]
    if len(tokens) < 3:
        _expect_width(path, line, tokens, 3, "parameter value sigma [source]")
    return gaussian_prior(
        tokens[0],
        _number(tokens[1], path, line, "value"),
        _number(tokens[2], path, line, "sigma"),
        source=f"{path}, line {line}",
    )


def gaussian_prior(name: str, mean: float, sigma: float, *, source: str) -> GaussianPriorData:
    """A one-quantity Gaussian prior, checked (finite mean, positive finite sigma)."""
    if not (math.isfinite(mean) and math.isfinite(sigma)):
        raise DataError(f"{source}: mean {mean} and sigma {sigma} must be finite numbers")
    if sigma <= 0:
        raise DataError(f"{source}: sigma {sigma} must be positive")
    record = GaussianPriorData(names=(name,), values=[mean], cov=[[sigma * sigma]])
    record.validate(source)
    return record


def _bao_kind(token: str, path: Path, lineno: int) -> str:
    if token not in BAO_KINDS:
        raise DataError(
            f"{path}, line {lineno}: unknown BAO kind {token!r}; use one of {', '.join(BAO_KINDS)}"
        )
    return token


def read_bao_release(mean_file: PathLike, cov_file: PathLike) -> BAOData:
    """BAO points from a ``z value kind`` file and their full covariance (DESI, SDSS format)."""
    mean_path, cov_path = Path(mean_file), Path(cov_file)
    rows = _data_lines(_read_text(mean_path))
    if not rows:
        raise DataError(f"{mean_path}: no data rows; expected lines of 'z value kind'")
    z, values, kinds = [], [], []
    for lineno, tokens in rows:
        _expect_width(mean_path, lineno, tokens, 3, "z value kind")
        z.append(_number(tokens[0], mean_path, lineno, "z"))
        values.append(_number(tokens[1], mean_path, lineno, "value"))
        kinds.append(_bao_kind(tokens[2], mean_path, lineno))
    cov = _read_matrix(cov_path, len(rows))
    record = BAOData(z=z, values=values, kinds=tuple(kinds), cov=cov)
    record.validate(_source(cov_path, mean_path))
    return record


def read_bao_single(file: PathLike) -> BAOData:
    """Uncorrelated BAO points from ``z value sigma kind`` lines (6dFGS, SDSS MGS files)."""
    path = Path(file)
    rows = _data_lines(_read_text(path))
    if not rows:
        raise DataError(f"{path}: no data rows; expected lines of 'z value sigma kind'")
    z, values, sigma, kinds = [], [], [], []
    for lineno, tokens in rows:
        _expect_width(path, lineno, tokens, 4, "z value sigma kind")
        z.append(_number(tokens[0], path, lineno, "z"))
        values.append(_number(tokens[1], path, lineno, "value"))
        sigma.append(_number(tokens[2], path, lineno, "sigma"))
        kinds.append(_bao_kind(tokens[3], path, lineno))
        if sigma[-1] <= 0:
            raise DataError(
                f"{path}, line {lineno}: sigma {tokens[2]} must be positive; fix the file"
            )
    record = BAOData(z=z, values=values, kinds=tuple(kinds), cov=np.diag(np.square(sigma)))
    record.validate(str(path))
    return record


def _sn_record(
    table_path: Path,
    cov_path: Path,
    z_cos: np.ndarray,
    z_hel: np.ndarray,
    m: np.ndarray,
    keep: np.ndarray | None = None,
) -> SNData:
    cov = _read_counted_matrix(cov_path)
    if cov.shape[0] != m.size:
        raise DataError(
            f"{cov_path}: N={cov.shape[0]} but {table_path.name} has {m.size} rows;"
            " use the covariance from the same release"
        )
    if keep is not None:
        cov = cov[np.ix_(keep, keep)]
        z_cos, z_hel, m = z_cos[keep], z_hel[keep], m[keep]
    source = _source(cov_path, table_path)
    # Releases round the two triangles independently (Union3 differs in the last bits);
    # the embedded format keeps one triangle, so make the matrix exactly symmetric here.
    check_symmetric(source, cov)
    record = SNData(z_cos=z_cos, z_hel=z_hel, m=m, cov=0.5 * (cov + cov.T))
    record.validate(source)
    return record


def read_pantheon_plus(dat_file: PathLike, cov_file: PathLike, zmin: float = 0.01) -> SNData:
    """Pantheon+ SNe with ``zHD > zmin`` (m_b_corr, zHD, zHEL) and their covariance sub-block.

    The low-redshift cut (1590 of 1701 rows at 0.01) removes SNe dominated by
    peculiar velocities, as in the Pantheon+ cosmology analysis.
    """
    dat_path, cov_path = Path(dat_file), Path(cov_file)
    table = _read_named_table(dat_path, ("zHD", "zHEL", "m_b_corr"))
    keep = table["zHD"] > zmin
    if not np.any(keep):
        raise DataError(f"{dat_path}: no rows have zHD > {zmin}; lower zmin or check the file")
    return _sn_record(dat_path, cov_path, table["zHD"], table["zHEL"], table["m_b_corr"], keep=keep)


def read_union3(lcparam_file: PathLike, covmat_file: PathLike) -> SNData:
    """Union3 binned SNe (zcmb, zhel, mb) and their magnitude covariance."""
    table_path, cov_path = Path(lcparam_file), Path(covmat_file)
    table = _read_named_table(table_path, ("zcmb", "zhel", "mb"), trailing_name_extra=True)
    return _sn_record(table_path, cov_path, table["zcmb"], table["zhel"], table["mb"])


def _read_snana_table(path: Path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns by name from an SNANA fitres table: a ``VARNAMES:`` line, then ``SN:`` rows."""
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if tokens[0] == "VARNAMES:":
            header, header_line = tokens[1:], lineno
        elif tokens[0] == "SN:":
            if header is None:
                raise DataError(
                    f"{path}, line {lineno}: SN row before the VARNAMES line; check the file"
                )
            rows.append((lineno, tokens[1:]))
    if header is None or not rows:
        raise DataError(f"{path}: no VARNAMES line and SN rows found; expected an SNANA table")
    _require_columns(path, header_line, "VARNAMES", header, columns)
    out = {name: np.empty(len(rows)) for name in columns}
    for index, (lineno, tokens) in enumerate(rows):
        _expect_width(path, lineno, tokens, len(header), "the VARNAMES columns")
        for name in columns:
            out[name][index] = _number(tokens[header.index(name)], path, lineno, name)
    return out


def _read_precision_npz(path: Path, size: int, table_name: str) -> np.ndarray:
    """The full precision matrix from a DES ``.npz`` (``nsn``, and ``cov`` = upper triangle)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not {"nsn", "cov"} <= set(npz.files):
                raise DataError(
                    f"{path}: lacks the arrays 'nsn' and 'cov' of the DES release;"
                    " pass the STAT+SYS.npz of the same release"
                )
            nsn, upper = npz["nsn"], npz["cov"]
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise DataError(f"{path}: not a readable .npz file ({reason}); re-download it") from None
    if nsn.size != 1 or int(nsn.flat[0]) != size:
        raise DataError(
            f"{path}: nsn = {nsn.tolist()} but {table_name} has {size} SN rows;"
            " use the matrix from the same release"
        )
    if upper.ndim != 1 or upper.size != size * (size + 1) // 2:
        raise DataError(
            f"{path}: 'cov' has {upper.size} values, expected {size * (size + 1) // 2} (the upper"
            f" triangle for {size} SNe); the file is truncated or not from this release"
        )
    if not np.all(np.isfinite(upper)):
        first = int(np.flatnonzero(~np.isfinite(upper))[0])
        raise DataError(
            f"{path}: 'cov' value {first} is {upper[first]}; every entry must be finite"
        )
    return _upper_to_full(upper.astype(np.float64), size, path)


def read_des_dovekie(hd_file: PathLike, precision_file: PathLike) -> SNData:
    """DES-SN5YR / DES-Dovekie SNe (MU, zHD, zHEL) and their released precision matrix.

    The release ships the inverse of the total (stat+sys) covariance as the
    upper triangle of a float32 matrix; it is validated (finite, positive
    definite) and inverted once, so the likelihood is the ordinary SN one.
    MU assumes H0 = 70: the constant offset is absorbed by the profiled M.
    """
    hd_path, precision_path = Path(hd_file), Path(precision_file)
    table = _read_snana_table(hd_path, ("zHD", "zHEL", "MU"))
    precision = _read_precision_npz(precision_path, table["MU"].size, hd_path.name)
    source = _source(precision_path, hd_path)
    record = SNData.from_precision(source, table["zHD"], table["zHEL"], table["MU"], precision)
    record.validate(source)
    return record


def sn_table_style(table_file: PathLike) -> str:
    """``"pantheon"``, ``"union3"`` or ``"des"``, from the column names of the table's header.

    DES (SNANA) tables name their columns on a ``VARNAMES:`` line after comments.
    """
    path = Path(table_file)
    for line in _read_text(path).splitlines():
        tokens = line.split()
        if tokens and tokens[0] == "VARNAMES:" and {"zHD", "zHEL", "MU"} <= set(tokens):
            return "des"
    for line in _read_text(path).splitlines():
        names = set(line.strip().lstrip("#").split())
        if not names:
            continue
        if {"zHD", "zHEL", "m_b_corr"} <= names:
            return "pantheon"
        if {"zcmb", "zhel", "mb"} <= names:
            return "union3"
        break
    raise DataError(
        f"{path}: header names neither Pantheon+ columns (zHD zHEL m_b_corr), lcparam"
        " columns (zcmb zhel mb) nor DES VARNAMES (zHD zHEL MU); pass the SN table first,"
        " then its covariance (or the DES precision .npz)"
    )


# --------------------------------------------------------------------------- embedded format


def _embedded_arrays(data: DatasetRecord) -> tuple[str, dict[str, np.ndarray]]:
    if isinstance(data, CMBPriorData):
        return "cmb", {"names": np.array(data.names), "values": data.values, "cov": data.cov}
    if isinstance(data, GaussianPriorData):
        return "prior", {"names": np.array(data.names), "values": data.values, "cov": data.cov}
    if isinstance(data, BAOData):
        arrays = {"z": data.z, "values": data.values, "kinds": np.array(data.kinds)}
        return "bao", {**arrays, "cov": data.cov}
    if isinstance(data, SNData):
        arrays = {"z_cos": data.z_cos, "z_hel": data.z_hel, "m": data.m}
        if data.precision is None:
            return "sn", {**arrays, "cov_upper": data.cov[np.triu_indices(data.m.size)]}
        upper = data.precision[np.triu_indices(data.m.size)]
        single = upper.astype(np.float32)
        if np.array_equal(single, upper):  # a float32 release stays float32: lossless, half size
            upper = single
        return "sn", {**arrays, "precision_upper": upper}
    raise TypeError(f"cannot embed {type(data).__name__}")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array, order="C"), allow_pickle=False)
    return buffer.getvalue()


def embedded_bytes(data: DatasetRecord, *, citation: str = "") -> bytes:
    """The embedded file for ``data``, byte for byte reproducible from the same arrays.

    ``np.savez_compressed`` stamps members with the current time, so the zip is
    written here with a fixed timestamp and sorted members instead; the SN
    covariance is stored as its upper triangle (half the size).
    """
    kind, arrays = _embedded_arrays(data)
    members = {
        "format_version": np.array(EMBEDDED_FORMAT_VERSION, dtype=np.int64),
        "kind": np.array(kind),
        "citation": np.array(citation),
        **arrays,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            payload = _npy_bytes(members[name])
            deflated = len(zlib.compress(payload, _DEFLATE_LEVEL))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE_TIME)
            info.external_attr = 0o644 << 16
            if deflated <= (1 - _MIN_DEFLATE_GAIN) * len(payload):
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, payload, compresslevel=_DEFLATE_LEVEL)
            else:
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, payload)
    return buffer.getvalue()


def write_embedded(path: PathLike, data: DatasetRecord, *, citation: str = "") -> str:
    """Write ``data`` in the embedded format atomically; return the file's sha256."""
    content = embedded_bytes(data, citation=citation)
    write_dataset_file(Path(path), content)
    return sha256_bytes(content)


def _upper_to_full(
    upper: np.ndarray, size: int, path: Path, label: str = "cov_upper"
) -> np.ndarray:
    """Rebuild a symmetric matrix from its row-major upper triangle (diagonal included)."""
    if upper.ndim != 1 or upper.size != size * (size + 1) // 2:
        raise DataError(
            f"{path}: {label} has {upper.size} values, expected {size * (size + 1) // 2}"
            f" for {size} supernovae; rebuild the file"
        )
    full = np.empty((size, size))
    start = 0
    for row in range(size):  # row and column slices: faster than triu_indices fancy indexing
        stop = start + size - row
        full[row, row:] = full[row:, row] = upper[start:stop]  # assigned, so -0.0 survives
        start = stop
    return full


def _embedded_record(npz: np.lib.npyio.NpzFile, spec: DatasetSpec, path: Path) -> DatasetRecord:
    members = set(npz.files)
    needed = {"format_version", "kind", *EMBEDDED_ARRAYS[spec.kind]}
    if "format_version" in members and int(npz["format_version"]) != EMBEDDED_FORMAT_VERSION:
        raise DataError(
            f"{path}: embedded format version {int(npz['format_version'])} is not supported"
            f" (this cosmofit reads {EMBEDDED_FORMAT_VERSION}); upgrade cosmofit or re-add it"
        )
    if "kind" in members and str(npz["kind"]) != spec.kind:
        raise DataError(
            f"{path}: file holds {str(npz['kind'])!r} data but {spec.name} is a {spec.kind!r}"
            " dataset; re-add it with the right kind"
        )
    if not needed <= members:
        raise DataError(
            f"{path}: missing arrays {sorted(needed - members)}; rebuild the file or re-add it"
        )
    if spec.kind == "cmb":
        names = tuple(str(name) for name in npz["names"])
        return CMBPriorData(names=names, values=npz["values"], cov=npz["cov"])
    if spec.kind == "prior":
        names = tuple(str(name) for name in npz["names"])
        return GaussianPriorData(names=names, values=npz["values"], cov=npz["cov"])
    if spec.kind == "bao":
        kinds = tuple(str(kind) for kind in npz["kinds"])
        return BAOData(z=npz["z"], values=npz["values"], kinds=kinds, cov=npz["cov"])
    matrices = [name for name in SN_MATRIX_ARRAYS if name in members]
    if len(matrices) != 1:
        raise DataError(
            f"{path}: needs exactly one of the arrays {list(SN_MATRIX_ARRAYS)}, found"
            f" {matrices}; rebuild the file or re-add the dataset"
        )
    m = npz["m"]
    full = _upper_to_full(npz[matrices[0]].astype(np.float64), m.size, path, matrices[0])
    if matrices[0] == "cov_upper":
        return SNData(z_cos=npz["z_cos"], z_hel=npz["z_hel"], m=m, cov=full)
    return SNData.from_precision(str(path), npz["z_cos"], npz["z_hel"], m, full)


def read_embedded(
    path: PathLike, spec: DatasetSpec, *, content: bytes | None = None
) -> DatasetRecord:
    """The record stored in an embedded file, checked against ``spec`` (kind, n_points).

    Pass ``content`` when the bytes were already read (e.g. to hash them) to
    avoid reading the file twice.
    """
    path = Path(path)
    source: PathLike | io.BytesIO = io.BytesIO(content) if content is not None else path
    try:
        loaded = np.load(source, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("not a zip of arrays")
        with loaded as npz:
            record = _embedded_record(npz, spec, path)
    except FileNotFoundError:
        raise DataError(
            f"{path}: file not found; reinstall cosmofit or re-add the dataset"
        ) from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise DataError(
            f"{path}: not a readable cosmofit dataset file ({reason}); reinstall cosmofit"
            " or re-add the dataset"
        ) from None
    if record.n_points != spec.n_points:
        raise DataError(
            f"{path}: {record.n_points} data points but {spec.name} is registered with"
            f" {spec.n_points}; rebuild the file or re-add the dataset"
        )
    return record
