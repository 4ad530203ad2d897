"""``add_user_dataset``: parse release files, store them in the user data dir, load them back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cosmofit.data import loader, registry
from cosmofit.data.loader import add_user_dataset, load_dataset
from cosmofit.data.registry import get_dataset, resolve_datasets
from cosmofit.errors import DataError, UsageError

MEAN = "# z value kind\n0.3 7.9 DV_over_rs\n0.5 13.6 DM_over_rs\n0.5 21.0 DH_over_rs\n"
COV = "0.02 0 0\n0 0.06 -0.03\n0 -0.03 0.3\n"
PANTHEON = (
    "CID zHD zHEL m_b_corr x1\na 0.005 0.005 13.0 0\nb 0.02 0.021 15.3 0\nc 0.3 0.31 21.1 0\n"
)
PANTHEON_COV = "3\n" + "\n".join(str(v) for v in np.diag([0.04, 0.01, 0.02]).ravel()) + "\n"


@pytest.fixture
def bao_files(tmp_path: Path) -> list[Path]:
    (tmp_path / "mean.txt").write_text(MEAN)
    (tmp_path / "cov.txt").write_text(COV)
    return [tmp_path / "mean.txt", tmp_path / "cov.txt"]


def test_round_trip(user_dir, bao_files):
    spec = add_user_dataset("my_bao", "bao", bao_files, "Me et al. 2025, arXiv:2501.00001")
    assert not spec.builtin and spec.n_points == 3 and spec.kind == "bao"
    data_file = f"my_bao.{spec.sha256[:16]}.npz"  # named by content: never replaced in place
    assert spec.filename == data_file
    assert sorted(p.name for p in user_dir.iterdir()) == [data_file, "my_bao.json", "my_bao.lock"]
    assert json.loads((user_dir / "my_bao.json").read_text())["sha256"] == spec.sha256

    registry.refresh_user_datasets()  # as a new process would see the directory
    assert get_dataset("my_bao") == spec
    assert [s.name for s in resolve_datasets("my_bao, cmb")] == ["my_bao", "planck18_priors"]
    data = load_dataset("my_bao").data
    assert data.kinds == ("DV_over_rs", "DM_over_rs", "DH_over_rs")
    assert np.array_equal(data.values, [7.9, 13.6, 21.0])
    assert np.array_equal(data.cov, np.loadtxt(bao_files[1]))


def test_sn_layout_is_detected_from_the_header(tmp_path):
    (tmp_path / "sn.dat").write_text(PANTHEON)
    (tmp_path / "sn.cov").write_text(PANTHEON_COV)
    spec = add_user_dataset("tiny_sn", "sn", [tmp_path / "sn.dat", tmp_path / "sn.cov"], None)
    data = load_dataset(spec.name).data
    assert spec.n_points == 2 and spec.citation == "user-supplied: sn.dat, sn.cov"
    assert np.array_equal(data.m, [15.3, 21.1]) and np.array_equal(data.z_hel, [0.021, 0.31])
    assert np.array_equal(data.cov, np.diag([0.01, 0.02]))


def test_release_copies_can_be_added(shared_data):
    folder = shared_data / "sn_union3"
    spec = add_user_dataset(
        "union3_copy", "sn", [folder / "union3_lcparam_full.txt", folder / "union3_mag_covmat.txt"]
    )
    assert np.array_equal(load_dataset(spec).data.cov, load_dataset("union3").data.cov)


def test_builtin_names_and_aliases_are_never_replaced(bao_files):
    for name in ("desi_dr2", "bao", "pantheon_plus"):
        with pytest.raises(UsageError, match="built-in dataset name or alias"):
            add_user_dataset(name, "bao", bao_files, overwrite=True)
    assert get_dataset("bao").builtin


def test_existing_user_dataset_needs_overwrite(user_dir, bao_files, tmp_path):
    first = add_user_dataset("mine", "bao", bao_files)
    with pytest.raises(UsageError, match="already exists .*--overwrite"):
        add_user_dataset("mine", "bao", bao_files)
    (tmp_path / "one.txt").write_text("0.15 4.47 0.17 DV_over_rs\n")
    second = add_user_dataset("mine", "bao", [tmp_path / "one.txt"], overwrite=True)
    assert second.sha256 != first.sha256 and get_dataset("mine") == second
    assert load_dataset("mine").data.n_points == 1


def test_bad_names_kinds_and_file_counts(bao_files):
    for name in ("My Data", "a+b", "../up", "joint"):
        with pytest.raises(UsageError, match="is not allowed"):
            add_user_dataset(name, "bao", bao_files)
    with pytest.raises(UsageError, match="unknown dataset kind"):
        add_user_dataset("x", "lensing", bao_files)
    with pytest.raises(UsageError, match="a cmb dataset is read from 2 files"):
        add_user_dataset("x", "cmb", bao_files[:1])


def test_a_failed_add_leaves_nothing_behind(user_dir, tmp_path, bao_files):
    (tmp_path / "bad.txt").write_text("0.02 0 0\n0 0.06 -0.03\n")
    with pytest.raises(DataError, match="bad.txt"):
        add_user_dataset("broken", "bao", [bao_files[0], tmp_path / "bad.txt"])
    assert not user_dir.exists() or not any(user_dir.iterdir())
    with pytest.raises(UsageError, match="unknown dataset 'broken'"):
        get_dataset("broken")


def test_tampered_user_file_fails_its_checksum(user_dir, bao_files):
    spec = add_user_dataset("mine", "bao", bao_files)
    path = user_dir / spec.filename
    path.write_bytes(path.read_bytes() + b"\0")
    loader.clear_cache()
    with pytest.raises(
        DataError, match=r"mine: sha256 mismatch for .*mine\.[0-9a-f]{16}\.npz.*cosmofit data add"
    ):
        load_dataset("mine")


def test_broken_user_spec_is_reported_without_hiding_other_datasets(user_dir):
    user_dir.mkdir()
    (user_dir / "oops.json").write_text("{not json")
    registry.refresh_user_datasets()
    assert get_dataset("cmb").name == "planck18_priors"
    with pytest.raises(DataError, match=r"oops\.json: not a valid dataset spec"):
        get_dataset("oops")
    assert len(registry.user_dataset_problems()) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": "odd", "kind": "bao\xff"}',
        b'{"name": ["odd"], "kind": 3, "n_points": "many"}',
        b"[]",
    ],
    ids=["deep", "non-utf8", "wrong-types", "wrong-top-level-type"],
)
def test_odd_user_spec_is_a_listed_problem_not_a_crash(user_dir, content):
    user_dir.mkdir()
    (user_dir / "odd.json").write_bytes(content)
    registry.refresh_user_datasets()
    (problem,) = registry.user_dataset_problems()
    assert "odd.json: not a valid dataset spec" in str(problem) and "\n" not in str(problem)
    assert (user_dir / "odd.json").read_bytes() == content


def test_user_spec_that_is_a_folder_is_a_listed_problem(user_dir):
    (user_dir / "odd.json").mkdir(parents=True)
    registry.refresh_user_datasets()
    (problem,) = registry.user_dataset_problems()
    assert "a directory, not a regular file" in str(problem)
