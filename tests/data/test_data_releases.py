"""The release readers against the raw public files in ../shared/data (skipped without them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from cosmofit.data import formats, loader
from cosmofit.data.integrity import sha256_file
from cosmofit.data.registry import available_datasets, get_dataset

ROOT = Path(__file__).parents[2]
BUILTIN_NAMES = [spec.name for spec in available_datasets() if spec.builtin]


def _embed_script():
    """scripts/embed_release_data.py as a module: its table maps datasets to release files."""
    path = ROOT / "scripts" / "embed_release_data.py"
    spec = importlib.util.spec_from_file_location("embed_release_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_release_files_match_their_published_checksums(shared_data):
    lines = (shared_data / "SHA256SUMS").read_text().splitlines()
    checked = 0
    for line in lines:
        expected, name = line.split(maxsplit=1)
        assert sha256_file(shared_data / name) == expected, name
        checked += 1
    assert checked >= 14


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_readers_reproduce_the_embedded_arrays_exactly(shared_data, name):
    spec = get_dataset(name)
    parsed = _embed_script().read_release(name, shared_data)
    embedded = loader.load_dataset(name).data
    assert type(parsed) is type(embedded)
    for field in ("names", "kinds"):
        assert getattr(parsed, field, None) == getattr(embedded, field, None)
    for field in ("values", "z", "z_cos", "z_hel", "m", "cov"):
        if hasattr(parsed, field):
            assert np.array_equal(getattr(parsed, field), getattr(embedded, field)), field
    assert (
        formats.embedded_bytes(parsed, citation=spec.citation)
        == Path(loader.dataset_location(spec)).read_bytes()
    )


def test_pantheon_cut_keeps_1590_rows_and_the_matching_covariance_block(shared_data):
    folder = shared_data / "sn_pantheon_plus"
    table = (folder / "Pantheon+SH0ES.dat").read_text().splitlines()
    header = table[0].split()
    rows = [line.split() for line in table[1:] if line.strip()]
    z_hd = np.array([float(row[header.index("zHD")]) for row in rows])
    kept = np.flatnonzero(z_hd > 0.01)
    assert len(rows) == 1701 and kept.size == 1590

    data = formats.read_pantheon_plus(
        folder / "Pantheon+SH0ES.dat", folder / "Pantheon+SH0ES_STAT+SYS.cov"
    )
    assert data.m.size == 1590
    m_b_corr = np.array([float(row[header.index("m_b_corr")]) for row in rows])
    assert np.array_equal(data.m, m_b_corr[kept])

    raw = (folder / "Pantheon+SH0ES_STAT+SYS.cov").read_text().split()
    n = int(raw[0])
    assert n == 1701
    for i, j in [(0, 0), (0, 1589), (17, 903), (1589, 1589), (800, 4)]:
        assert data.cov[i, j] == float(raw[1 + kept[i] * n + kept[j]])


def test_union3_header_naming_an_extra_column_is_handled(shared_data):
    folder = shared_data / "sn_union3"
    lcparam = folder / "union3_lcparam_full.txt"
    lines = lcparam.read_text().splitlines()
    assert len(lines[0].lstrip("#").split()) == len(lines[1].split()) + 1  # the quirk is there
    data = formats.read_union3(lcparam, folder / "union3_mag_covmat.txt")
    assert data.m.size == 22
    assert data.z_cos[0] == 0.05 and data.m[0] == 36.630361 and data.m[-1] == 45.997159
    assert np.array_equal(data.z_cos, data.z_hel)
