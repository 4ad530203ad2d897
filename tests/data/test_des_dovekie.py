"""DES-Dovekie: the SNANA table + precision-matrix release format, read, embedded and refused."""

from __future__ import annotations

import numpy as np
import pytest

from cosmofit.data import formats, loader
from cosmofit.data.loader import add_user_dataset, load_dataset
from cosmofit.errors import DataError

HEADER = "# zHD = redshift in CMB frame\n#\nVARNAMES: CID IDSURVEY zHD zHEL MU MUERR\n"
ROWS = (
    "SN: a 150 0.0251 0.0250 35.26 0.18\n"
    "SN: b  10 0.3000 0.3010 41.10 0.10\n"
    "SN: c  10 0.8000 0.7990 43.70 0.15\n"
)
#: A positive definite 3x3 precision matrix (inverse variances ~30-100 mag^-2).
PRECISION = np.array([[30.0, -2.0, 1.0], [-2.0, 100.0, -5.0], [1.0, -5.0, 45.0]])


def write_release(directory, *, table=HEADER + ROWS, precision=PRECISION, nsn=None, upper=None):
    hd = directory / "HD.csv"
    hd.write_text(table)
    npz = directory / "STAT+SYS.npz"
    size = precision.shape[0]
    if upper is None:
        upper = precision[np.triu_indices(size)].astype(np.float32)
    np.savez(npz, nsn=np.array([size if nsn is None else nsn]), cov=upper)
    return hd, npz


def one_line_naming(error: pytest.ExceptionInfo, path, fragment: str) -> None:
    message = str(error.value)
    assert str(path) in message and fragment in message and "\n" not in message, message


def test_small_release_parses_and_inverts_the_precision(tmp_path):
    record = formats.read_des_dovekie(*write_release(tmp_path))
    assert record.m.tolist() == [35.26, 41.10, 43.70]
    assert record.z_cos.tolist() == [0.0251, 0.3, 0.8]
    assert record.z_hel.tolist() == [0.0250, 0.3010, 0.7990]
    assert np.allclose(record.cov @ PRECISION, np.eye(3), atol=1e-13)


def test_the_layout_is_detected_and_the_precision_is_embedded_losslessly(tmp_path, user_dir):
    hd, npz = write_release(tmp_path)
    spec = add_user_dataset("mydes", "sn", [hd, npz])
    with np.load(user_dir / spec.filename) as stored:
        assert "cov_upper" not in stored.files
        assert stored["precision_upper"].dtype == np.float32
    data = load_dataset(spec).data
    assert np.array_equal(data.precision, PRECISION.astype(np.float32).astype(float))
    assert np.allclose(data.cov @ PRECISION, np.eye(3), atol=1e-13)


def test_row_count_must_match_the_matrix(tmp_path):
    hd, npz = write_release(tmp_path, nsn=4)
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, npz, "nsn = [4] but HD.csv has 3 SN rows")


def test_truncated_upper_triangle(tmp_path):
    upper = PRECISION[np.triu_indices(3)].astype(np.float32)[:-1]
    hd, npz = write_release(tmp_path, upper=upper)
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, npz, "has 5 values, expected 6")


def test_nan_in_the_precision_matrix(tmp_path):
    upper = PRECISION[np.triu_indices(3)].astype(np.float32)
    upper[2] = np.nan
    hd, npz = write_release(tmp_path, upper=upper)
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, npz, "'cov' value 2 is nan")


def test_non_positive_definite_precision(tmp_path):
    bad = PRECISION.copy()
    bad[0, 1] = bad[1, 0] = 80.0
    hd, npz = write_release(tmp_path, precision=bad)
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, npz, "precision matrix is not positive definite")


def test_missing_column(tmp_path):
    table = HEADER.replace(" MU ", " MUX ") + ROWS
    hd, npz = write_release(tmp_path, table=table)
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, hd, "VARNAMES lacks column 'MU'")


def test_nan_magnitude_names_the_line(tmp_path):
    hd, npz = write_release(tmp_path, table=HEADER + ROWS.replace("41.10", "nan"))
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, hd, "line 5: MU is nan")


def test_not_an_npz(tmp_path):
    hd, npz = write_release(tmp_path)
    npz.write_text("not a zip")
    with pytest.raises(DataError) as error:
        formats.read_des_dovekie(hd, npz)
    one_line_naming(error, npz, "not a readable .npz file")


def test_release_reader_on_the_public_files(shared_data):
    folder = shared_data / "sn_des_dovekie"
    record = formats.read_des_dovekie(folder / "DES-Dovekie_HD.csv", folder / "STAT+SYS.npz")
    assert record.n_points == 1820
    assert (record.z_cos[0], record.z_hel[0], record.m[0]) == (0.02509, 0.02507, 35.25995)
    assert np.allclose(record.cov @ record.precision, np.eye(1820), atol=1e-9)
    # The diagonal of the total covariance is at least the statistical MUERR^2 of each SN.
    table = formats._read_snana_table(folder / "DES-Dovekie_HD.csv", ("MUERR",))
    assert np.all(np.diag(record.cov) >= 0.99 * table["MUERR"] ** 2)


def test_release_copy_can_be_added_and_equals_the_builtin(shared_data):
    folder = shared_data / "sn_des_dovekie"
    spec = add_user_dataset(
        "des_copy", "sn", [folder / "DES-Dovekie_HD.csv", folder / "STAT+SYS.npz"]
    )
    assert np.array_equal(load_dataset(spec).data.cov, load_dataset("desy5").data.cov)
    loader.clear_cache()
