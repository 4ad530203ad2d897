"""The embedded files: load without ../shared, match the registry, and rebuild byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosmofit.data import loader
from cosmofit.data.formats import embedded_bytes
from cosmofit.data.integrity import sha256_file
from cosmofit.data.records import BAO_KINDS, BAOData, CMBPriorData, GaussianPriorData, SNData
from cosmofit.data.registry import available_datasets, get_dataset

BUILTIN_NAMES = [spec.name for spec in available_datasets() if spec.builtin]
RECORD_TYPES = {"cmb": CMBPriorData, "bao": BAOData, "sn": SNData, "prior": GaussianPriorData}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_dataset_loads_and_is_usable(name):
    spec = get_dataset(name)
    loaded = loader.load_dataset(name)
    data = loaded.data
    assert loaded.spec == spec
    assert isinstance(data, RECORD_TYPES[spec.kind])
    assert data.n_points == spec.n_points
    assert sha256_file(Path(loader.dataset_location(spec))) == spec.sha256
    assert data.cov.shape == (spec.n_points, spec.n_points)
    assert data.cov.dtype == np.float64
    np.testing.assert_array_equal(data.cov, data.cov.T)
    assert np.all(np.linalg.eigvalsh(data.cov) > 0)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_embedded_file_is_reproducible_from_its_arrays(name):
    spec = get_dataset(name)
    data = loader.load_dataset(name).data
    assert (
        embedded_bytes(data, citation=spec.citation)
        == Path(loader.dataset_location(spec)).read_bytes()
    )


def test_contents_match_the_publications():
    cmb = loader.load_dataset("cmb").data
    assert cmb.names == ("R", "l_A", "omega_b")
    np.testing.assert_allclose(cmb.values, [1.7502, 301.471, 0.02236])
    np.testing.assert_allclose(np.sqrt(np.diag(cmb.cov)), [0.0046, 0.0895, 0.00015])
    desi = loader.load_dataset("desi_dr2").data
    assert set(desi.kinds) <= set(BAO_KINDS) and desi.kinds[0] == "DV_over_rs"
    assert loader.load_dataset("sixdf").data.kinds == ("rs_over_DV",)
    sn = loader.load_dataset("pantheon+").data
    assert sn.z_cos.min() > 0.01 and sn.m.size == 1590
    bbn = loader.load_dataset("bbn").data
    assert bbn.names == ("omega_b",) and bbn.values.tolist() == [0.02218]
    assert np.sqrt(bbn.cov[0, 0]) == pytest.approx(0.00055, rel=1e-12)
    assert loader.load_dataset("bbn_cooke").data.values.tolist() == [0.02166]
    sh0es = loader.load_dataset("sh0es").data
    assert sh0es.names == ("H0",) and sh0es.values.tolist() == [73.04]
    # DESI DR2 (arXiv:2503.14738) Appendix A / CMB_standard_compression_PR4: theta* in radians.
    pr4 = loader.load_dataset("planck_pr4_compressed").data
    assert pr4.names == ("theta_star", "omega_b", "omega_bc")
    np.testing.assert_array_equal(pr4.values, [0.01041027, 0.02223208, 0.14207901])
    assert pr4.cov[0, 2] == -1.19287532e-09 and pr4.cov[2, 2] == 1.48841714e-06
    des = loader.load_dataset("desy5").data
    assert des.m.size == 1820 and des.precision is not None
    np.testing.assert_allclose(des.cov @ des.precision, np.eye(1820), atol=1e-9)


def test_loads_are_cached_and_read_only():
    first = loader.load_dataset("union3")
    assert loader.load_dataset("union3") is first
    with pytest.raises(ValueError):
        first.data.cov[0, 0] = 1.0
    loader.clear_cache()
    assert loader.load_dataset("union3") is not first
