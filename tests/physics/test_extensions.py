"""w0waCDM, curvature and massive neutrinos against CAMB 2.0.5, astropy and quadrature.

CAMB values come from tests/reference/camb_extensions.json (regenerate with
scripts/camb_reference_extensions.py); astropy is called directly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

import cosmofit
from cosmofit.errors import PhysicsError
from cosmofit.likelihoods.joint import JointLikelihood
from cosmofit.models.registry import get_model
from cosmofit.physics import neutrinos
from cosmofit.physics.constants import omega_gamma_h2, omega_radiation_h2

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "camb_extensions.json"
Z_LOW = np.linspace(0.01, 2.99, 60)


@pytest.fixture(scope="module")
def camb_extensions() -> list[dict]:
    return json.loads(REFERENCE.read_text())


def _camb_background(row: dict):
    params = {k: row[k] for k in ("H0", "Om0", "Obh2", "Neff", "Tcmb", "mnu", "Ok0")}
    if row["wa"] != 0.0 or row["w0"] != -1.0:
        return cosmofit.background("w0wa", **params, w0=row["w0"], wa=row["wa"])
    return cosmofit.background("lcdm", **params)


# -- the Fermi-Dirac table ---------------------------------------------------------------


def _fermi_dirac_ratio_by_quad(y: float) -> float:
    def integrand(q: float) -> float:
        return q * q * math.sqrt(q * q + y * y) / (math.exp(q) + 1.0)

    split = min(y, 1.0)
    total = quad(integrand, 0.0, split, epsrel=1e-13, epsabs=0.0, limit=400)[0]
    total += quad(integrand, split, 200.0, epsrel=1e-13, epsabs=0.0, limit=400)[0]
    return total / (7.0 * math.pi**4 / 120.0)


def test_fermi_dirac_table_matches_adaptive_quadrature():
    # Nodes, midpoints between nodes (worst case of the interpolation) and both expansions.
    y = np.concatenate(
        (
            np.geomspace(1e-7, 1e7, 57),
            np.exp(math.log(1e-4) + 0.02 * (np.arange(0, 1036, 37) + 0.5)),
        )
    )
    table = neutrinos.density_ratio(y)
    exact = np.array([_fermi_dirac_ratio_by_quad(v) for v in y])
    assert np.max(np.abs(table / exact - 1.0)) < 1e-7


def test_neutrino_density_today_is_cambs_omnuh2(camb_extensions):
    for row in camb_extensions:
        if row["mnu"] == 0.0:
            continue
        omnuh2 = neutrinos.omega_nu_h2_today(row["mnu"], row["Tcmb"], row["Neff"])
        assert omnuh2 == pytest.approx(row["omnuh2"], rel=1e-7)


def test_neff_split_is_cambs(camb_extensions):
    for row in camb_extensions:
        if row["mnu"] == 0.0:
            assert neutrinos.massless_neff(row["Neff"], 0.0) == row["num_nu_massless"]
            continue
        g, massless = neutrinos.neff_split(row["Neff"])
        assert g == pytest.approx(row["nu_mass_degeneracy"], rel=1e-12)
        assert massless == pytest.approx(row["num_nu_massless"], rel=1e-12)


# -- CAMB ---------------------------------------------------------------------------------


def test_h_and_dm_match_camb(camb_extensions):
    for row in camb_extensions:
        bg = _camb_background(row)
        for z, value in row["DM_Mpc"].items():
            assert float(bg.DM(float(z))) == pytest.approx(value, rel=1e-6), row["label"]
        for z, value in row["H_kms_Mpc"].items():
            assert float(bg.H(float(z))) == pytest.approx(value, rel=1e-6), row["label"]


def test_drag_scale_matches_camb(camb_extensions):
    for row in camb_extensions:
        bg = _camb_background(row)
        assert bg.r_drag == pytest.approx(row["camb_rdrag_Mpc"], rel=1.5e-3), row["label"]
        assert bg.z_drag == pytest.approx(row["camb_zdrag"], rel=1.5e-3), row["label"]


def test_decoupling_scales_stay_close_to_camb(camb_extensions):
    # z* is the Hu & Sugiyama (1996) fit: 0.3% as for the massless models.
    for row in camb_extensions:
        bg = _camb_background(row)
        assert bg.z_star == pytest.approx(row["camb_zstar"], rel=3e-3)
        assert bg.rs_star == pytest.approx(row["camb_rstar_Mpc"], rel=2e-3)


def test_z_drag_uses_the_cold_matter():
    # Light neutrinos are relativistic at decoupling: the fitting formulae take omega_cb.
    bg = cosmofit.background("lcdm", mnu=0.3, Neff=3.044)
    assert bg.omega_cb == pytest.approx(bg.omega_m - bg.omega_nu, rel=1e-15)
    assert bg.z_drag == cosmofit.physics.early.z_drag_eisenstein_hu(bg.omega_b, bg.omega_cb)


# -- astropy ------------------------------------------------------------------------------

#: (model, parameters): flat and curved LCDM/wCDM/w0waCDM, massless and massive
#: neutrinos, and the extremes of the bounds.
ASTROPY_POINTS = [
    ("w0wa", {"w0": -0.75, "wa": -0.86}),
    ("w0wa", {"w0": -0.45, "wa": -1.7, "H0": 63.0}),
    ("w0wa", {"w0": -3.0, "wa": 2.0}),
    ("w0wa", {"w0": 1.0, "wa": -3.0, "Om0": 0.5}),
    ("w0wa", {"w0": -3.0, "wa": -3.0, "Ok0": -0.3}),
    ("w0wa", {"w0": -0.9, "wa": -0.5, "Ok0": 0.3, "H0": 150.0}),
    ("w0wa", {"w0": -0.8, "wa": -0.6, "Ok0": -0.05, "Om0": 0.99}),
    ("lcdm", {"Ok0": 0.3}),
    ("lcdm", {"Ok0": -0.3, "H0": 20.0}),
    ("lcdm", {"Ok0": 0.3, "Om0": 0.01, "H0": 150.0}),
    ("lcdm", {"Ok0": 0.05, "Neff": 10.0, "Tcmb": 3.0}),
    ("lcdm", {"Ok0": -0.05, "Neff": 1.0, "Tcmb": 2.0}),
    ("lcdm", {"Om0": 0.99}),
    ("wcdm", {"w": -0.5, "Ok0": 0.1}),
    ("wcdm", {"w": -3.0, "Ok0": -0.3}),
    ("wcdm", {"w": 0.0, "Ok0": 0.02}),
    ("lcdm", {"mnu": 0.06}),
    ("lcdm", {"mnu": 0.3, "Ok0": -0.05}),
    ("lcdm", {"mnu": 1.0, "Om0": 0.5}),
    ("lcdm", {"mnu": 0.01, "Ok0": 0.05}),
    ("wcdm", {"mnu": 0.15, "w": -0.8, "Ok0": 0.1}),
    ("w0wa", {"mnu": 0.06, "w0": -0.75, "wa": -0.86}),
    ("w0wa", {"mnu": 0.3, "w0": -0.5, "wa": -1.5, "Ok0": -0.1}),
    ("w0wa", {"mnu": 1.0, "w0": -1.2, "wa": 0.5, "Ok0": 0.2, "Tcmb": 2.3}),
]


def _astropy_twin(bg):
    """The astropy cosmology with the same content as ``bg``.

    astropy's Om0 excludes neutrinos and splits Neff evenly over three species of
    weight Neff/3, with y = m / (k_B T_nu0): with Neff = 3 g and the eigenstate mass
    mnu g^(-1/4) this is exactly cosmofit's one massive state plus 2 g massless.
    Ode0 is set so that astropy's Ok0 equals cosmofit's.
    """
    import astropy.units as u
    from astropy import cosmology

    p = bg.params
    mnu = p["mnu"]
    neff = p["Neff"]
    m_nu = 0.0 * u.eV
    if mnu > 0.0:
        assert neff == pytest.approx(3.0 * neutrinos.MASSIVE_DEGENERACY)
        m_nu = [mnu * neutrinos.MASSIVE_DEGENERACY**-0.25, 0.0, 0.0] * u.eV
    o_cb = p["Om0"] - bg.omega_nu / bg.h**2
    common = {"H0": p["H0"], "Tcmb0": p["Tcmb"], "Neff": neff, "m_nu": m_nu}
    probe = cosmology.LambdaCDM(Om0=o_cb, Ode0=0.7, **common)
    ode0 = 1.0 - o_cb - probe.Ogamma0 - probe.Onu0 - p.get("Ok0", 0.0)
    model = bg.model.name
    if model == "w0wa":
        return cosmology.w0waCDM(Om0=o_cb, Ode0=ode0, w0=p["w0"], wa=p["wa"], **common)
    if model == "wcdm":
        return cosmology.wCDM(Om0=o_cb, Ode0=ode0, w0=p["w"], **common)
    return cosmology.LambdaCDM(Om0=o_cb, Ode0=ode0, **common)


def _with_massive_neff(params: dict) -> dict:
    if params.get("mnu", 0.0) > 0.0:
        return {**params, "Neff": 3.0 * neutrinos.MASSIVE_DEGENERACY}
    return params


@pytest.mark.parametrize(("model", "params"), ASTROPY_POINTS)
def test_distances_and_h_match_astropy(model, params):
    pytest.importorskip("astropy")
    bg = cosmofit.background(model, **_with_massive_neff(params))
    twin = _astropy_twin(bg)
    assert twin.Ok0 == pytest.approx(bg.Ok0, abs=1e-12)
    # astropy's massive-neutrino density is a fitting formula (Komatsu et al. 2011) whose
    # error reaches ~1e-4 of Omega_nu; CAMB (above) checks the exact one to 1e-8.
    tolerance = 1e-6 if bg.omega_nu == 0.0 else 3e-6
    np.testing.assert_allclose(bg.H(Z_LOW), twin.H(Z_LOW).value, rtol=tolerance)
    np.testing.assert_allclose(
        bg.DM(Z_LOW), twin.comoving_transverse_distance(Z_LOW).value, rtol=tolerance
    )
    np.testing.assert_allclose(bg.DL(Z_LOW), twin.luminosity_distance(Z_LOW).value, rtol=tolerance)


@pytest.mark.parametrize(
    ("model", "params"), [pt for pt in ASTROPY_POINTS if pt[1].get("mnu", 0.0) > 0.0]
)
def test_massive_points_differ_from_astropy_only_by_its_neutrino_formula(model, params):
    pytest.importorskip("astropy")
    bg = cosmofit.background(model, **_with_massive_neff(params))
    twin = _astropy_twin(bg)
    a = 1.0 + Z_LOW
    de = (twin.H(Z_LOW).value / bg.H0) ** 2 - twin.Om0 * a**3 - twin.Ogamma0 * a**4
    de -= twin.Ogamma0 * a**4 * twin.nu_relative_density(Z_LOW) + twin.Ok0 * a**2
    ours = bg.E(Z_LOW) ** 2 - (bg.omega_cb / bg.h**2) * a**3 - bg.Or * a**4 - bg.Ok0 * a**2
    ours -= (
        neutrinos.massive_neutrino_omega(
            a, bg.params["mnu"], bg.params["Tcmb"], 3.0 * neutrinos.MASSIVE_DEGENERACY
        )
        / bg.h**2
    )
    # Dark energy alone agrees once each side's own neutrino density is taken out.
    np.testing.assert_allclose(ours, de * (ours[0] / de[0]), rtol=1e-9)
    # The neutrino densities agree to the fitting formula's accuracy (0.2% worst, at y ~ 50).
    nu_ours = neutrinos.massive_neutrino_omega(
        a, bg.params["mnu"], bg.params["Tcmb"], bg.params["Neff"]
    )
    g, massless = neutrinos.neff_split(bg.params["Neff"])
    nu_ours = nu_ours / bg.h**2 + (massless * 0.22710731766) * twin.Ogamma0 * a**4
    nu_astropy = twin.Ogamma0 * a**4 * twin.nu_relative_density(Z_LOW)
    np.testing.assert_allclose(nu_ours, nu_astropy, rtol=3e-3)


# -- curvature ------------------------------------------------------------------------------


@pytest.mark.parametrize("ok0", [-0.3, -0.05, 0.05, 0.3])
def test_curved_dm_matches_quadrature(ok0):
    bg = cosmofit.background("lcdm", Ok0=ok0, mnu=0.1)
    k = math.sqrt(abs(ok0))
    for z in (0.1, 1.0, 2.5, 1089.0):
        dc = quad(lambda x: 1.0 / float(bg.E(x)), 0.0, z, epsrel=1e-11, epsabs=0, limit=400)[0]
        expected = (math.sinh(k * dc) if ok0 > 0 else math.sin(k * dc)) / k * bg.hubble_distance
        assert float(bg.DM(z)) == pytest.approx(expected, rel=1e-6 if z > 10 else 1e-7)
    assert bg.DM_star == pytest.approx(float(bg.DM(bg.z_star)), rel=1e-12)


def test_open_and_closed_bend_dm_the_right_way():
    flat = cosmofit.background("lcdm", Ok0=0.0)
    # Same E(z) shape is not possible with Ok0 != 0, so compare D_M with D_C of each.
    for ok0, sign in ((0.1, 1.0), (-0.1, -1.0)):
        bg = cosmofit.background("lcdm", Ok0=ok0)
        assert sign * (float(bg.DM(2.0)) - float(bg.DC(2.0))) > 0
    assert float(flat.DM(2.0)) == float(flat.DC(2.0))


# -- backward compatibility and limits -----------------------------------------------------


def test_flat_massless_defaults_are_the_old_formula_bit_for_bit():
    z = np.array([0.0, 0.01, 0.5, 1.0, 2.33, 1090.0, 1e6])
    p = get_model("lcdm").complete({"H0": 68.1, "Om0": 0.302, "Neff": 2.9})
    a = 1.0 + z
    h2 = (p["H0"] / 100.0) ** 2
    Or = omega_radiation_h2(p["Tcmb"], p["Neff"]) / h2
    a2 = a * a
    old = p["Om0"] * (a2 * a) + Or * (a2 * a2) + (1.0 - p["Om0"] - Or)
    for name in ("lcdm", "wcdm", "w0wa"):
        model = get_model(name)
        np.testing.assert_array_equal(model.e2(z, model.complete(p), Or), old)
    assert cosmofit.background("lcdm", **p).Or == Or


def test_w0wa_at_the_lcdm_point_is_lcdm_bit_for_bit():
    shared = {"H0": 69.1, "Om0": 0.297, "Obh2": 0.0223, "Neff": 3.1, "Tcmb": 2.72}
    for extra in ({}, {"mnu": 0.2, "Ok0": -0.04}):
        lcdm = cosmofit.background("lcdm", **shared, **extra)
        for name, point in (("w0wa", {"w0": -1.0, "wa": 0.0}), ("wcdm", {"w": -1.0})):
            other = cosmofit.background(name, **shared, **extra, **point)
            z = np.array([0.01, 0.1, 0.51, 1.0, 2.33, 1090.0])
            for observable in ("E", "H", "DM", "DA", "DH", "DV", "DL", "mu", "rs"):
                np.testing.assert_array_equal(
                    getattr(other, observable)(z), getattr(lcdm, observable)(z)
                )
            for scale in ("z_star", "z_drag", "rs_star", "r_drag", "DM_star"):
                assert getattr(other, scale) == getattr(lcdm, scale)


def test_w0wa_at_the_lcdm_point_gives_lcdm_chi2_for_every_dataset():
    shared = {"H0": 68.2, "Om0": 0.305, "Obh2": 0.0223}
    for name in ("cmb", "desi_dr2", "desi_dr1", "sdss_dr12", "sixdf", "mgs", "union3", "pantheon+"):
        lcdm = cosmofit.load_likelihood(name, "lcdm")
        w0wa = JointLikelihood(get_model("w0wa"), lcdm.components)
        for extra in ({}, {"mnu": 0.1, "Ok0": 0.02}):
            assert w0wa.chi2({**shared, **extra, "w0": -1.0, "wa": 0.0}) == lcdm.chi2(
                {**shared, **extra}
            )


def test_w0_plus_wa_not_negative_is_unphysical_with_the_reason():
    with pytest.raises(PhysicsError, match=r"w0 \+ wa = 0 >= 0"):
        cosmofit.background("w0wa", w0=-0.5, wa=0.5)
    evaluation = cosmofit.load_likelihood("desi_dr2", "w0wa").evaluate({"w0": 0.5, "wa": 0.0})
    assert evaluation.total == math.inf and "w0 + wa = 0.5 >= 0" in evaluation.reason


def test_neutrinos_heavier_than_all_matter_are_unphysical():
    evaluation = cosmofit.load_likelihood("desi_dr2", "lcdm").evaluate(
        {"mnu": 1.0, "Om0": 0.02, "H0": 67.0}
    )
    assert evaluation.total == math.inf and "outweigh all matter" in evaluation.reason


def test_om0_includes_the_massive_neutrinos():
    bg = cosmofit.background("lcdm", mnu=0.06, Neff=3.044, H0=67.36, Om0=0.315)
    e2_today = float(bg.E(0.0)) ** 2
    assert e2_today == pytest.approx(1.0, abs=1e-14)
    # At z >> 1 the neutrino is radiation: E^2 exceeds the cold matter plus massless radiation
    # by the relativistic density of one g-weighted species.
    a = 1e7
    relativistic = neutrinos.MASSIVE_DEGENERACY * 0.22710731766 * omega_gamma_h2(2.7255) / bg.h**2
    expected = (bg.omega_cb / bg.h**2) * a**3 + (bg.Or + relativistic) * a**4
    assert float(bg.E(a - 1.0)) ** 2 == pytest.approx(expected, rel=1e-6)
