"""Broken inputs raise DataError (or UsageError for names) with one line naming the file."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from cosmofit.data import formats, loader
from cosmofit.data.registry import get_dataset, resolve_datasets
from cosmofit.errors import DataError, UsageError

MEAN = "# z value kind\n0.3 7.9 DV_over_rs\n0.5 13.6 DM_over_rs\n0.5 21.0 DH_over_rs\n"
COV = "0.02 0 0\n0 0.06 -0.03\n0 -0.03 0.3\n"
SN_TABLE = "#name zcmb zhel dz mb extra\nb0 0.1 0.1 0 38.2\nb1 0.5 0.5 0 42.1\nb2 1.0 1.0 0 44.0\n"
SN_COV = "3\n0.01\n0.002\n0\n0.002\n0.01\n0\n0\n0\n0.02\n"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


@contextmanager
def raises_naming(path: Path, match: str, error: type[Exception] = DataError):
    """pytest.raises that also checks the message is one line and names ``path``."""
    with pytest.raises(error, match=match) as info:
        yield info
    message = str(info.value)
    assert str(path) in message, message
    assert "\n" not in message, message


def test_valid_small_files_parse(tmp_path):
    bao = formats.read_bao_release(write(tmp_path, "m.txt", MEAN), write(tmp_path, "c.txt", COV))
    assert bao.kinds == ("DV_over_rs", "DM_over_rs", "DH_over_rs")
    sn = formats.read_union3(write(tmp_path, "t.txt", SN_TABLE), write(tmp_path, "s.cov", SN_COV))
    assert sn.m.tolist() == [38.2, 42.1, 44.0]


def test_truncated_bao_covariance(tmp_path):
    cov = write(tmp_path, "cov.txt", "0.02 0 0\n0 0.06 -0.03\n")
    with raises_naming(cov, "truncated"):
        formats.read_bao_release(write(tmp_path, "mean.txt", MEAN), cov)


def test_truncated_sn_covariance(tmp_path):
    cov = write(tmp_path, "sn.cov", SN_COV.rsplit("\n", 2)[0] + "\n")
    with raises_naming(cov, "N=3, so 9 values should follow, but found 8"):
        formats.read_union3(write(tmp_path, "t.txt", SN_TABLE), cov)


def test_sn_covariance_size_must_match_the_table(tmp_path):
    cov = write(tmp_path, "sn.cov", "2\n1 0\n0 1\n")
    with raises_naming(cov, "N=2 but t.txt has 3 rows"):
        formats.read_union3(write(tmp_path, "t.txt", SN_TABLE), cov)


def test_nan_value_names_the_line(tmp_path):
    mean = write(tmp_path, "mean.txt", MEAN.replace("13.6", "nan"))
    with raises_naming(mean, "line 3: value is nan"):
        formats.read_bao_release(mean, write(tmp_path, "cov.txt", COV))


def test_nan_in_counted_covariance_names_the_line(tmp_path):
    cov = write(tmp_path, "sn.cov", SN_COV.replace("0.02\n", "NaN\n"))
    with raises_naming(cov, "line 10: value is NaN"):
        formats.read_union3(write(tmp_path, "t.txt", SN_TABLE), cov)


def test_non_numeric_covariance_entry_names_the_line(tmp_path):
    cov = write(tmp_path, "sn.cov", SN_COV.replace("0.002\n0\n", "0.002\nzero\n", 1))
    with raises_naming(cov, "line 4: value 'zero' is not a number"):
        formats.read_union3(write(tmp_path, "t.txt", SN_TABLE), cov)


def test_wrong_column_count(tmp_path):
    mean = write(tmp_path, "mean.txt", MEAN.replace("0.5 13.6 DM_over_rs", "0.5 13.6"))
    with raises_naming(mean, "line 3: 2 columns, expected 3"):
        formats.read_bao_release(mean, write(tmp_path, "cov.txt", COV))


def test_non_symmetric_covariance(tmp_path):
    cov = write(tmp_path, "cov.txt", COV.replace("0 -0.03 0.3", "0 -0.02 0.3"))
    with raises_naming(cov, "not symmetric"):
        formats.read_bao_release(write(tmp_path, "mean.txt", MEAN), cov)


def test_non_positive_definite_covariance(tmp_path):
    cov = write(tmp_path, "cov.txt", "0.02 0 0\n0 0.01 0.5\n0 0.5 0.3\n")
    with raises_naming(cov, "not positive definite"):
        formats.read_bao_release(write(tmp_path, "mean.txt", MEAN), cov)


def test_unknown_bao_kind(tmp_path):
    mean = write(tmp_path, "mean.txt", MEAN.replace("DH_over_rs", "DA_over_rs"))
    with raises_naming(mean, "line 4: unknown BAO kind 'DA_over_rs'"):
        formats.read_bao_release(mean, write(tmp_path, "cov.txt", COV))


def test_unknown_bao_kind_in_single_point_file(tmp_path):
    single = write(tmp_path, "one.txt", "0.15 4.47 0.17 DV_over_rd\n")
    with raises_naming(single, "unknown BAO kind"):
        formats.read_bao_single(single)


def test_cmb_correlation_file_must_be_a_correlation(tmp_path):
    values = write(tmp_path, "v.txt", "R 1.75 0.0046\nlA 301.47 0.09\nomega_b 0.0224 0.00015\n")
    corr = write(tmp_path, "c.txt", "2e-5 0 0\n0 8e-3 0\n0 0 2e-8\n")
    with raises_naming(corr, "not a correlation matrix"):
        formats.read_cmb_priors(values, corr)


def test_table_without_needed_column(tmp_path):
    table = write(tmp_path, "t.txt", SN_TABLE.replace(" mb ", " mB "))
    with raises_naming(table, "header lacks column 'mb'"):
        formats.read_union3(table, write(tmp_path, "s.cov", SN_COV))


def test_missing_release_file(tmp_path):
    missing = tmp_path / "absent.txt"
    with raises_naming(missing, "file not found"):
        formats.read_bao_single(missing)


def test_wrong_sha256_is_refused():
    spec = get_dataset("union3").model_copy(update={"sha256": "ab12" + "0" * 60})
    location = Path(loader.dataset_location(spec))
    with raises_naming(location, r"union3: sha256 mismatch .*expected ab1200000000\.\.\., got"):
        loader.load_dataset(spec)
    assert loader.load_dataset(spec, verify=False).data.n_points == 22


def test_corrupt_embedded_file(tmp_path):
    spec = get_dataset("mgs")
    bad = write(tmp_path, "mgs.npz", "not a zip")
    with raises_naming(bad, "not a readable cosmofit dataset file"):
        formats.read_embedded(bad, spec)


def test_embedded_file_of_the_wrong_kind(tmp_path):
    path = tmp_path / "x.npz"
    formats.write_embedded(path, loader.load_dataset("mgs").data)
    with raises_naming(path, "holds 'bao' data but union3 is a 'sn' dataset"):
        formats.read_embedded(path, get_dataset("union3"))


def test_unknown_dataset_name_suggests_desi_dr2():
    with pytest.raises(UsageError, match="unknown dataset 'desi_dr3'; did you mean 'desi_dr2'"):
        resolve_datasets("desi_dr3")
