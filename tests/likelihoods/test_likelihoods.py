"""Likelihood algebra checked against independent dense linear algebra and astropy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cosmofit
from cosmofit.data.loader import load_dataset
from cosmofit.errors import DataError, ParameterError, UsageError
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.constants import C_KM_S


def dense_chi2(residual, cov):
    return float(residual @ np.linalg.solve(cov, residual))


def test_cmb_chi2_at_defaults_matches_the_specification():
    # PHYSICS.md: about 112 for lcdm and about 40 for pbuf at the built-in defaults.
    assert cosmofit.load_likelihood("cmb", "lcdm").chi2({}) == pytest.approx(112, rel=0.05)
    assert cosmofit.load_likelihood("cmb", "pbuf").chi2({}) == pytest.approx(40, rel=0.1)


def test_cmb_observables_against_independent_formulae():
    params = {"H0": 67.7, "Om0": 0.31, "Obh2": 0.0224}
    likelihood = cosmofit.load_likelihood("cmb", "lcdm")
    bg = cosmofit.background("lcdm", **params)
    R = math.sqrt(0.31) * 67.7 * float(bg.DM(bg.z_star)) / C_KM_S
    l_A = math.pi * float(bg.DM(bg.z_star)) / float(bg.rs(bg.z_star))
    data = load_dataset("cmb").data
    expected = dense_chi2(data.values - np.array([R, l_A, 0.0224]), data.cov)
    assert likelihood.chi2(params) == pytest.approx(expected, rel=1e-10)
    derived = likelihood.derived(params)
    assert derived["R"] == pytest.approx(R, rel=1e-12)
    assert derived["l_A"] == pytest.approx(l_A, rel=1e-12)


def test_bao_chi2_with_astropy_distances_and_camb_sound_horizon(camb_reference):
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    row = camb_reference[0]
    params = {k: row[k] for k in ("H0", "Om0", "Obh2", "Neff", "Tcmb")}
    reference = astropy_cosmology.FlatLambdaCDM(
        H0=row["H0"], Om0=row["Om0"], Tcmb0=row["Tcmb"], Neff=row["Neff"], m_nu=0.0
    )
    data = load_dataset("desi_dr2").data
    z = np.asarray(data.z)
    dm = reference.comoving_transverse_distance(z).value
    dh = C_KM_S / reference.H(z).value
    dv = np.cbrt(z * dm**2 * dh)
    rd = row["camb_rdrag_Mpc"]
    table = {
        "DM_over_rs": dm / rd,
        "DH_over_rs": dh / rd,
        "DV_over_rs": dv / rd,
        "rs_over_DV": rd / dv,
    }
    theory = np.array([table[kind][i] for i, kind in enumerate(data.kinds)])
    expected = dense_chi2(np.asarray(data.values) - theory, data.cov)
    got = cosmofit.load_likelihood("desi_dr2", "lcdm").chi2(params)
    # our r_d differs from CAMB's by < 0.15%; the chi2 moves accordingly
    assert got == pytest.approx(expected, rel=0.05, abs=0.5)


@pytest.mark.parametrize("name", ["pantheon+", "union3"])
def test_sn_profiled_magnitude_equals_brute_force(name):
    params = {"Om0": 0.32}
    likelihood = cosmofit.load_likelihood(name, "lcdm")
    data = load_dataset(name).data
    bg = cosmofit.background("lcdm", **params)
    mu = np.asarray(bg.mu(data.z_cos, data.z_hel))
    cov = np.asarray(data.cov)
    r0 = np.asarray(data.m) - mu
    ones = np.ones_like(r0)
    m_best = float(ones @ np.linalg.solve(cov, r0)) / float(ones @ np.linalg.solve(cov, ones))
    assert likelihood.derived(params)[f"M_best[{name}]"] == pytest.approx(m_best, rel=1e-9)
    chi2_at_best = dense_chi2(r0 - m_best, cov)
    assert likelihood.chi2(params) == pytest.approx(chi2_at_best, rel=1e-9)
    # and it really is the minimum over M
    assert dense_chi2(r0 - m_best - 1e-3, cov) > chi2_at_best


def test_cov_scale_divides_chi2():
    plain = cosmofit.load_likelihood("cmb,bao", "lcdm")
    scaled = cosmofit.load_likelihood("cmb,bao", "lcdm", cov_scale=2.5)
    assert scaled.chi2({}) == pytest.approx(plain.chi2({}) / 2.5, rel=1e-12)


def test_joint_is_the_sum_of_its_parts():
    joint = cosmofit.load_likelihood("joint", "pbuf")
    parts = sum(cosmofit.load_likelihood(n, "pbuf").chi2({}) for n in ("cmb", "bao", "sn"))
    assert joint.chi2({}) == pytest.approx(parts, rel=1e-12)
    assert joint.n_data == 3 + 13 + 1590
    by = joint.chi2_by_dataset({})
    assert set(by) == {"planck18_priors", "desi_dr2", "pantheon+"}


def test_pbuf_limit_gives_lcdm_chi2_for_every_dataset():
    shared = {"H0": 68.2, "Om0": 0.305, "Obh2": 0.0223}
    for name in ("cmb", "desi_dr2", "desi_dr1", "sdss_dr12", "sixdf", "mgs", "union3", "pantheon+"):
        lcdm = cosmofit.load_likelihood(name, "lcdm").chi2(shared)
        pbuf = cosmofit.load_likelihood(name, "pbuf").chi2({**shared, "k_sat": 1.0, "eps0": 0.0})
        assert pbuf == lcdm


def test_out_of_bounds_point_is_infinite_with_a_reason():
    likelihood = cosmofit.load_likelihood("cmb", "lcdm")
    evaluation = likelihood.evaluate({"H0": 10.0})
    assert evaluation.total == math.inf and "outside its bounds" in evaluation.reason
    evaluation = likelihood.evaluate({"Om0": float("nan")})
    assert evaluation.total == math.inf and evaluation.reason


def test_unknown_parameter_raises_before_any_work():
    with pytest.raises(ParameterError, match="k_sat is not a parameter of lcdm"):
        cosmofit.load_likelihood("cmb", "lcdm").chi2({"k_sat": 1.0})


def test_unknown_dataset_raises_usage_error():
    with pytest.raises(UsageError, match="desi_dr2"):
        cosmofit.load_likelihood("desi_dr3", "lcdm")


def test_covariance_checks():
    with pytest.raises(DataError, match="not positive definite"):
        GaussianCovariance(np.array([[1.0, 2.0], [2.0, 1.0]]), source="x")
    with pytest.raises(DataError, match="not symmetric"):
        GaussianCovariance(np.array([[1.0, 0.5], [0.1, 1.0]]), source="x")
    with pytest.raises(DataError, match="NaN"):
        GaussianCovariance(np.array([[1.0, np.nan], [np.nan, 1.0]]), source="x")
    with pytest.raises(UsageError, match="cov-scale"):
        GaussianCovariance(np.eye(2), source="x", cov_scale=-1.0)
