"""Likelihood algebra checked against independent dense linear algebra and astropy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

import cosmofit
from cosmofit.data.loader import load_dataset
from cosmofit.errors import DataError, ParameterError, PhysicsError, UsageError
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.physics.constants import C_KM_S


def dense_chi2(residual, cov):
    return float(residual @ np.linalg.solve(cov, residual))


def test_cmb_chi2_at_defaults_is_pinned():
    # Chen et al.'s recipe with Planck's baseline neutrino (mnu = 0.06 eV): the built-in
    # lcdm defaults (67.4, 0.315, 0.02237) sit near the Planck centre; PBUF's
    # k_sat = 0.9762 shifts the sound horizon and costs ~24.
    baseline = {"mnu": 0.06}
    assert cosmofit.load_likelihood("cmb", "lcdm").chi2(baseline) == pytest.approx(0.562, abs=0.01)
    assert cosmofit.load_likelihood("cmb", "pbuf").chi2(baseline) == pytest.approx(24.2, abs=0.3)
    # Massless neutrinos (the default mnu = 0) keep all of Om0 as matter before decoupling:
    # a smaller sound horizon, l_A up by ~0.3 (3 sigma) at the same parameters.
    assert cosmofit.load_likelihood("cmb", "lcdm").chi2({}) == pytest.approx(12.32, abs=0.05)
    assert cosmofit.load_likelihood("cmb", "pbuf").chi2({}) == pytest.approx(0.465, abs=0.01)


def recipe_by_quadrature(model, params):
    """R and l_A of Chen, Huang & Wang (2019) written out with scipy.integrate.quad.

    The model's neutrino mass is the recipe's: matter in D_M(z*), left out of the
    matter term before decoupling. Curvature bends D_C into D_M.
    """
    mnu_ev = params.get("mnu", 0.0)
    params = {**params, "mnu": 0.0}
    h = params["H0"] / 100.0
    omega_m = params["Om0"] * h * h
    theta4 = (params["Tcmb"] / 2.7) ** 4
    z_eq = 2.5e4 * omega_m / theta4
    Or = params["Om0"] / (1.0 + z_eq)
    Onu = mnu_ev / 93.14 / (h * h)
    wb = params["Obh2"]
    g1 = 0.0783 * wb**-0.238 / (1 + 39.5 * wb**0.763)
    g2 = 0.560 / (1 + 21.1 * wb**1.81)
    z_star = 1048 * (1 + 0.00124 * wb**-0.738) * (1 + g1 * omega_m**g2)
    r_b = 31500.0 * wb / theta4

    def e2(z):
        return float(model.e2(np.array([z]), params, Or)[0])

    dm = quad(lambda z: e2(z) ** -0.5, 0.0, z_star, epsrel=1e-12, limit=400)[0]
    ok = params.get("Ok0", 0.0)
    if ok > 0:
        dm = math.sinh(math.sqrt(ok) * dm) / math.sqrt(ok)
    elif ok < 0:
        dm = math.sin(math.sqrt(-ok) * dm) / math.sqrt(-ok)
    rs = quad(
        lambda a: (
            1.0 / (a * a * math.sqrt(e2(1 / a - 1) - Onu / a**3) * math.sqrt(3 * (1 + r_b * a)))
        ),
        0.0,
        1.0 / (1.0 + z_star),
        epsrel=1e-12,
        limit=400,
    )[0]
    return math.sqrt(params["Om0"]) * dm, math.pi * dm / rs


@pytest.mark.parametrize(
    ("model", "point"),
    [
        ("lcdm", {"H0": 67.7, "Om0": 0.31, "Obh2": 0.0224, "mnu": 0.06}),
        ("lcdm", {"H0": 74.0, "Om0": 0.25, "Obh2": 0.021, "Tcmb": 2.8}),
        ("pbuf", {"H0": 68.5, "Om0": 0.30, "Obh2": 0.0225, "k_sat": 0.9, "mnu": 0.06}),
        ("wcdm", {"H0": 66.0, "Om0": 0.33, "Obh2": 0.0222, "w": -0.8, "mnu": 0.2}),
        ("w0wa", {"H0": 64.0, "Om0": 0.34, "Obh2": 0.0223, "w0": -0.7, "wa": -1.0}),
        ("lcdm", {"H0": 69.0, "Om0": 0.30, "Obh2": 0.0224, "Ok0": 0.04, "mnu": 0.1}),
        ("w0wa", {"H0": 65.0, "Om0": 0.32, "Obh2": 0.0222, "Ok0": -0.03, "w0": -0.9, "wa": 0.2}),
    ],
)
def test_cmb_observables_against_the_recipe_by_quadrature(model, point):
    likelihood = cosmofit.load_likelihood("cmb", model)
    params = likelihood.model.complete(point)
    R, l_A = recipe_by_quadrature(likelihood.model, params)
    data = load_dataset("cmb").data
    expected = dense_chi2(data.values - np.array([R, l_A, point["Obh2"]]), data.cov)
    assert likelihood.chi2(point) == pytest.approx(expected, rel=1e-8)
    derived = likelihood.derived(point)
    assert derived["R"] == pytest.approx(R, rel=1e-9)
    assert derived["l_A"] == pytest.approx(l_A, rel=1e-9)


def test_cmb_recipe_is_not_the_full_physics_sound_horizon():
    # The BAO keep the full-physics r_s (photons + Neff massless neutrinos, exact baryon
    # loading); evaluated with it, Planck's own means miss l_A by ~10 sigma.
    point = {"H0": 67.27, "Om0": 0.3166, "Obh2": 0.02236, "mnu": 0.06}
    bg = cosmofit.background("lcdm", **{**point, "mnu": 0.0})
    full_physics_l_A = math.pi * bg.DM_star / bg.rs_star
    recipe = cosmofit.load_likelihood("cmb", "lcdm").derived(point)
    assert full_physics_l_A == pytest.approx(302.35, abs=0.02)
    assert recipe["l_A"] == pytest.approx(301.457, abs=0.002)
    assert recipe["rs_star[planck18_priors]"] > bg.rs_star
    full_physics = cosmofit.background("lcdm", **point)
    assert cosmofit.load_likelihood("cmb", "lcdm").derived(point)["rs_star"] == full_physics.rs_star


def test_cmb_recipe_radiation_is_the_authors_eq6():
    from cosmofit.physics.distance_priors import baryon_loading, radiation_density

    # Omega_r h^2 = omega_m / (1 + 2.5e4 omega_m (T/2.7)^-4): ~0.8% below photons + 3.046
    # massless neutrinos, which is why the recipe matters at the priors' precision.
    omega_r = radiation_density(0.1432, 2.7255)
    assert omega_r == pytest.approx(0.1432 / (1 + 2.5e4 * 0.1432 / (2.7255 / 2.7) ** 4))
    standard = 2.4729753e-5 * (1 + 0.22710731766 * 3.046)
    assert omega_r / standard - 1 == pytest.approx(-0.0076, abs=0.0005)
    # R_b = 31500 omega_b (T/2.7)^-4 agrees with 3 omega_b / (4 omega_gamma) to 0.1%.
    assert baryon_loading(0.0224, 2.7255) == pytest.approx(0.75 * 0.0224 / 2.4729753e-5, rel=1e-3)


def test_cmb_point_unphysical_only_for_the_recipe_is_infinite_not_an_exception():
    from cosmofit.likelihoods.cmb import CMBPriorLikelihood
    from cosmofit.models.lcdm import lcdm_e2
    from cosmofit.models.params import COMMON_PARAMS
    from cosmofit.models.registry import Model
    from cosmofit.physics.background import Background
    from cosmofit.physics.distance_priors import distance_priors

    # E^2 > 0 with the full-physics radiation, < 0 with the recipe's (0.8% lower) one.
    def e2(z, p, omega_r):
        return lcdm_e2(z, p, omega_r) if omega_r * (p["H0"] / 100) ** 2 > 4.17e-5 else -1.0 + 0 * z

    toy = Model(name="toy", description="test", params=COMMON_PARAMS, e2=e2)
    params = toy.complete({})
    with pytest.raises(PhysicsError, match="CMB-prior radiation density"):
        distance_priors(toy, params)
    cmb = CMBPriorLikelihood("planck18_priors", load_dataset("cmb").data)
    bg = Background(toy, params)
    assert cmb.chi2(bg) == math.inf
    assert np.all(cmb.chi2_batch([bg, None]) == math.inf)


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


#: Beutler et al. 2011 quoted r_s/D_V with the EH98 fitting-formula sound horizon;
#: Cobaya (bao.sixdf_2011_bao, rs_rescale) and MontePython multiply a Boltzmann r_d by this.
SIXDF_RD_RESCALE = 1.027369826


def test_sixdf_theory_uses_the_eh98_rescaled_sound_horizon():
    from cosmofit.data.registry import get_dataset

    assert get_dataset("sixdf").likelihood_options == {"rd_rescale": SIXDF_RD_RESCALE}
    likelihood = cosmofit.load_likelihood("sixdf", "lcdm")
    bg = cosmofit.background("lcdm")
    expected_theory = SIXDF_RD_RESCALE * bg.r_drag / float(bg.DV(0.106))
    data = load_dataset("sixdf").data
    expected = dense_chi2(np.asarray(data.values) - expected_theory, data.cov)
    assert likelihood.chi2({}) == pytest.approx(expected, rel=1e-10)
    # at the built-in defaults: 0.797 with the raw r_d, 0.092 with the rescale
    assert likelihood.chi2({}) == pytest.approx(0.0924, abs=0.001)
    assert likelihood.conventions == {"sixdf": f"rd_rescale={SIXDF_RD_RESCALE!r}"}


@pytest.mark.parametrize("name", ["desi_dr2", "desi_dr1", "sdss_dr12", "mgs"])
def test_other_bao_datasets_compare_with_the_full_physics_rd(name):
    from cosmofit.data.registry import get_dataset

    assert get_dataset(name).likelihood_options == {}
    assert cosmofit.load_likelihood(name, "lcdm").components[0].rd_rescale == 1.0


def test_dataset_options_are_checked_against_the_likelihood(monkeypatch):
    from cosmofit.data import registry

    base = registry.get_dataset("sixdf")
    for options, message in (
        ({"rs_scale": 1.02}, "unknown likelihood option 'rs_scale'"),
        ({"rd_rescale": -1.0}, "rd_rescale must be a positive number"),
    ):
        fields = {**base.model_dump(), "name": "sixdf_variant", "aliases": (), "options": options}
        spec = registry.DatasetSpec.model_validate(fields)
        monkeypatch.setitem(registry.DATASETS, "sixdf_variant", spec)
        with pytest.raises(DataError, match=message):
            cosmofit.load_likelihood("sixdf_variant", "lcdm")
