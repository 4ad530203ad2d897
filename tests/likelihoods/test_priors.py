"""Gaussian priors as datasets: bbn, sh0es, the compressed Planck PR4 CMB, and user priors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cosmofit
from cosmofit.errors import ParameterError, UsageError
from cosmofit.fitting.tension import fit_quantities, gaussian_sigma, parameter_tension
from cosmofit.physics.early import theta_star

CAMB = json.loads((Path(__file__).parents[1] / "reference" / "camb_theta_star.json").read_text())


def test_bbn_chi2_is_the_squared_pull_and_counts_one_point():
    likelihood = cosmofit.load_likelihood("bao,bbn", "lcdm")
    assert likelihood.n_data_by_dataset == {"desi_dr2": 13, "bbn": 1}
    by_dataset = likelihood.chi2_by_dataset({"Obh2": 0.02218 + 2 * 0.00055})
    assert by_dataset["bbn"] == pytest.approx(4.0, rel=1e-12)
    assert likelihood.derived({"Obh2": 0.02218 - 0.00055})["pull[bbn:omega_b]"] == pytest.approx(
        -1.0
    )


def test_sh0es_constrains_h0_and_cov_scale_applies():
    likelihood = cosmofit.load_likelihood("sh0es", "pbuf", cov_scale=4.0)
    assert likelihood.chi2({"H0": 73.04 - 1.04}) == pytest.approx(0.25, rel=1e-12)


def test_batch_chi2_equals_point_by_point():
    likelihood = cosmofit.load_likelihood("planck_pr4_compressed,bbn", "lcdm")
    points = [{"H0": 66.0}, {"H0": 68.0, "Obh2": 0.0225}, {"H0": 500.0}]
    batch = likelihood.chi2_batch(points)
    single = [likelihood.chi2(point) for point in points]
    assert batch[:2] == pytest.approx(single[:2], rel=1e-12)
    assert np.isinf(batch[2]) and np.isinf(single[2])


def test_prior_on_a_parameter_the_model_lacks_is_refused_when_the_fit_is_built(
    tmp_path, monkeypatch
):
    from cosmofit.data.loader import add_user_prior

    monkeypatch.setenv("COSMOFIT_DATA_DIR", str(tmp_path))
    add_user_prior("ksat_prior", "k_sat", 1.0, 0.1)
    assert cosmofit.load_likelihood("ksat_prior", "pbuf").chi2({"k_sat": 1.2}) == pytest.approx(4)
    with pytest.raises(ParameterError, match="prior on 'k_sat'.*neither a parameter of lcdm"):
        cosmofit.load_likelihood("bao,ksat_prior", "lcdm")


def test_compressed_cmb_theory_is_camb_theta_star():
    """At a CAMB cosmology the theta* residual is within 3e-5 relative (~0.1 sigma)."""
    point = CAMB["grid"][13]
    bg = cosmofit.background(
        "lcdm", H0=point["H0"], Om0=point["Om0"], Obh2=point["Obh2"], Neff=point["Neff"]
    )
    likelihood = cosmofit.load_likelihood("planck_pr4_compressed", "lcdm")
    component = likelihood.components[0]
    assert component.names == ("theta_star", "omega_b", "omega_bc")
    assert component.theory(bg)[0] == theta_star(bg)
    assert component.theory(bg)[0] == pytest.approx(point["camb_100thetastar"] / 100, rel=3e-5)
    assert component.theory(bg)[2] == pytest.approx(point["Obh2"] + point["Och2"], rel=1e-12)


def test_compressed_cmb_alone_matches_the_camb_solution():
    """Three numbers fix flat LCDM: cosmofit's solution and errors against CAMB's."""
    reference = CAMB["compressed_cmb_lcdm"]
    values = dict(zip(reference["names"], reference["values"], strict=True))
    sigma = dict(zip(reference["names"], np.sqrt(np.diag(reference["cov"])), strict=True))
    fit = fit_quantities(
        "planck_pr4_compressed",
        model="lcdm",
        quantities=["Om0", "h_rdrag", "H0"],
        params=["H0", "Om0", "Obh2"],
    )
    assert fit.chi2_min < 1e-6
    for name in ("Om0", "h_rdrag", "H0"):
        assert fit.values[name] == pytest.approx(values[name], abs=0.05 * sigma[name])
        assert fit.errors()[name] == pytest.approx(sigma[name], rel=0.03)


def test_desi_bao_plus_bbn_h0_next_to_the_published_value():
    # DESI DR2 (arXiv:2503.14738) Table V / eq. 19, DESI+BBN flat LCDM: H0 = 68.51 +- 0.58.
    # cosmofit's neutrinos are massless (DESI: one 0.06 eV state), hence the 0.5-sigma window.
    fit = fit_quantities("bao,bbn", model="lcdm", quantities=["H0"], params=["H0", "Om0", "Obh2"])
    assert fit.values["H0"] == pytest.approx(68.51, abs=0.5 * 0.58)
    assert fit.errors()["H0"] == pytest.approx(0.58, rel=0.1)


def test_tension_needs_independent_combinations_and_known_quantities():
    with pytest.raises(UsageError, match="desi_dr2 is in both"):
        parameter_tension("bao", "desi_dr2,bbn", quantities=["H0"])
    with pytest.raises(ParameterError, match="prior on 'Omega_m'"):
        parameter_tension("bao", "bbn", quantities=["Omega_m"])


def test_gaussian_sigma_conversion():
    assert gaussian_sigma(1.0, 1) == pytest.approx((0.3173105, 1.0), rel=1e-6)
    pte, sigma = gaussian_sigma(2 * 2.995732, 2)  # chi2 with PTE 5% for 2 dof
    assert pte == pytest.approx(0.05, rel=1e-5) and sigma == pytest.approx(1.959964, rel=1e-5)


def test_compressed_cmb_plus_desi_matches_camb_and_sits_next_to_desi_plus_cmb():
    """flat LCDM on planck_pr4_compressed + desi_dr2.

    Against CAMB (same massless-neutrino physics, same data): equal to a few 0.01 sigma.
    Against DESI DR2 (arXiv:2503.14738, Table V, DESI+CMB: Om0 = 0.3027 +- 0.0036,
    H0 = 68.17 +- 0.28): within 1.5 sigma; CAMB shows half of the gap is DESI's
    0.06 eV neutrino, the rest the full (not compressed) CMB likelihood.
    """
    camb_massless, camb_massive = CAMB["compressed_cmb_desi_dr2_lcdm"]
    fit = fit_quantities(
        "planck_pr4_compressed,desi_dr2",
        model="lcdm",
        quantities=["Om0", "H0"],
        params=["H0", "Om0", "Obh2"],
    )
    errors = fit.errors()
    assert fit.chi2_min == pytest.approx(camb_massless["chi2"], abs=0.01)
    assert fit.values["H0"] == pytest.approx(camb_massless["H0"], abs=0.05 * errors["H0"])
    assert fit.values["Om0"] == pytest.approx(camb_massless["Om0"], abs=0.05 * errors["Om0"])
    assert errors["H0"] == pytest.approx(0.28, rel=0.15)
    assert errors["Om0"] == pytest.approx(0.0036, rel=0.15)
    assert abs(fit.values["H0"] - 68.17) < 1.5 * 0.28
    assert abs(fit.values["Om0"] - 0.3027) < 1.5 * 0.0036
    # The 0.06 eV neutrino moves both towards the published values.
    assert abs(camb_massive["H0"] - 68.17) < abs(fit.values["H0"] - 68.17)
    assert abs(camb_massive["Om0"] - 0.3027) < abs(fit.values["Om0"] - 0.3027)
