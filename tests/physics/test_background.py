"""Distances and early-universe scales against CAMB, astropy and adaptive quadrature."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

import cosmofit
from cosmofit.errors import ParameterError, PhysicsError, UsageError
from cosmofit.models.registry import available_models, get_model
from cosmofit.physics.background import Background, transverse_comoving_distance
from cosmofit.physics.constants import C_KM_S, omega_gamma_h2

LOW_Z = [1e-3, 0.01, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0, 2.33, 2.99]
POINTS = [
    ("lcdm", {}),
    ("lcdm", {"H0": 73.0, "Om0": 0.25, "Neff": 2.5}),
    ("pbuf", {}),
    ("pbuf", {"k_sat": 0.3, "n_eps": 2.0, "eps0": 2.0, "alpha": 1e-2, "Rmax": 1e6}),
    ("pbuf", {"k_sat": 1.9, "n_eps": -2.0, "Om0": 0.5}),
    ("wcdm", {"w": -0.6}),
]


def camb_params(row: dict) -> dict[str, float]:
    return {k: row[k] for k in ("H0", "Om0", "Obh2", "Neff", "Tcmb")}


def test_distances_match_camb(camb_reference):
    for row in camb_reference:
        bg = cosmofit.background("lcdm", **camb_params(row))
        for z, value in row["DM_Mpc"].items():
            assert float(bg.DM(float(z))) == pytest.approx(value, rel=1e-4)
        for z, value in row["H_kms_Mpc"].items():
            assert float(bg.H(float(z))) == pytest.approx(value, rel=1e-4)


def test_sound_horizon_at_drag_matches_camb(camb_reference):
    for row in camb_reference:
        bg = cosmofit.background("lcdm", **camb_params(row))
        assert bg.r_drag == pytest.approx(row["camb_rdrag_Mpc"], rel=1.5e-3)
        assert bg.z_drag == pytest.approx(row["camb_zdrag"], rel=1.5e-3)


def test_decoupling_scales_close_to_camb(camb_reference):
    # z* is a fitting formula (Hu & Sugiyama 1996): agreement is at the 0.3% level.
    for row in camb_reference:
        bg = cosmofit.background("lcdm", **camb_params(row))
        assert bg.z_star == pytest.approx(row["camb_zstar"], rel=3e-3)
        assert bg.rs_star == pytest.approx(row["camb_rstar_Mpc"], rel=2e-3)


@pytest.mark.parametrize(("model", "params"), POINTS)
def test_comoving_distance_matches_quadrature(model, params):
    bg = cosmofit.background(model, **params)

    def reference(z: float) -> float:
        integral, _ = quad(
            lambda x: 1.0 / float(bg.E(x)), 0.0, z, epsrel=1e-10, epsabs=0, limit=400
        )
        return bg.hubble_distance * integral

    for z in LOW_Z:
        assert float(bg.DM(z)) == pytest.approx(reference(z), rel=1e-7)
    for z in (1089.9, 1100.0):
        assert float(bg.DM(z)) == pytest.approx(reference(z), rel=1e-6)


@pytest.mark.parametrize(("model", "params"), POINTS)
def test_sound_horizon_matches_quadrature(model, params):
    bg = cosmofit.background(model, **params)
    loading = 0.75 * bg.omega_b / bg.omega_gamma

    def integrand(z: float) -> float:
        return C_KM_S / math.sqrt(3.0 * (1.0 + loading / (1.0 + z))) / float(bg.H(z))

    for z in (bg.z_drag, bg.z_star):
        reference, _ = quad(integrand, z, np.inf, epsrel=1e-10, limit=400)
        assert float(bg.rs(z)) == pytest.approx(reference, rel=1e-6)


def test_lcdm_matches_astropy():
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    params = {"H0": 70.0, "Om0": 0.3, "Tcmb": 2.7255, "Neff": 3.046}
    reference = astropy_cosmology.FlatLambdaCDM(
        H0=params["H0"], Om0=params["Om0"], Tcmb0=params["Tcmb"], Neff=params["Neff"], m_nu=0.0
    )
    bg = cosmofit.background("lcdm", **params)
    z = np.array(LOW_Z)
    np.testing.assert_allclose(bg.DM(z), reference.comoving_transverse_distance(z).value, rtol=1e-7)
    np.testing.assert_allclose(bg.H(z), reference.H(z).value, rtol=1e-9)
    np.testing.assert_allclose(bg.DA(z), reference.angular_diameter_distance(z).value, rtol=1e-7)
    np.testing.assert_allclose(bg.DL(z), reference.luminosity_distance(z).value, rtol=1e-7)
    np.testing.assert_allclose(bg.mu(z), reference.distmod(z).value, atol=1e-6)
    assert bg.Or == pytest.approx(reference.Ogamma0 + reference.Onu0, rel=1e-8)


def test_wcdm_matches_astropy():
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    reference = astropy_cosmology.FlatwCDM(
        H0=68.0, Om0=0.31, w0=-0.8, Tcmb0=2.7255, Neff=3.046, m_nu=0.0
    )
    bg = cosmofit.background("wcdm", H0=68.0, Om0=0.31, w=-0.8)
    z = np.array(LOW_Z)
    np.testing.assert_allclose(bg.DM(z), reference.comoving_transverse_distance(z).value, rtol=1e-7)
    np.testing.assert_allclose(bg.H(z), reference.H(z).value, rtol=1e-9)


def test_photon_density_matches_astropy():
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    for tcmb in (2.0, 2.7255, 3.0):
        reference = astropy_cosmology.FlatLambdaCDM(H0=100.0, Om0=0.3, Tcmb0=tcmb, m_nu=0.0)
        assert omega_gamma_h2(tcmb) == pytest.approx(reference.Ogamma0, rel=1e-8)


def test_distance_relations():
    bg = cosmofit.background("lcdm")
    z = np.array([0.3, 1.0])
    np.testing.assert_allclose(bg.DV(z), np.cbrt(z * bg.DM(z) ** 2 * C_KM_S / bg.H(z)))
    np.testing.assert_allclose(bg.DL(z, z + 0.001), (1.001 + z) * bg.DM(z))
    assert float(bg.E(0.0)) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("z0", [0.0, 0.5])
def test_pbuf_closes_to_unit_expansion_today(z0):
    bg = cosmofit.background("pbuf", k_sat=0.5, n_eps=1.3, eps0=1.5, alpha=1e-2, Rmax=1e6)
    assert float(bg.E(0.0)) == pytest.approx(1.0, abs=1e-14)
    assert float(bg.E(z0)) > 0


def test_pbuf_reduces_to_lcdm_bit_for_bit():
    shared = {"H0": 69.1, "Om0": 0.297, "Obh2": 0.0223, "Neff": 3.1, "Tcmb": 2.72}
    lcdm = cosmofit.background("lcdm", **shared)
    pbuf = cosmofit.background("pbuf", **shared, k_sat=1.0, eps0=0.0, alpha=3e-3, n_eps=1.2)
    z = np.array([0.01, 0.1, 0.51, 1.0, 2.33, 1090.0])
    for observable in ("E", "H", "DM", "DA", "DH", "DV", "DL", "mu", "rs"):
        np.testing.assert_array_equal(getattr(pbuf, observable)(z), getattr(lcdm, observable)(z))
    for scale in ("z_star", "z_drag", "rs_star", "r_drag", "DM_star"):
        assert getattr(pbuf, scale) == getattr(lcdm, scale)


def test_k_sat_moves_the_sound_horizon():
    standard = cosmofit.background("pbuf", k_sat=1.0, eps0=0.0)
    rescaled = cosmofit.background("pbuf", k_sat=0.9, eps0=0.0)
    assert rescaled.r_drag != pytest.approx(standard.r_drag, rel=1e-4)


def test_unknown_parameter_is_named():
    with pytest.raises(ParameterError, match=r"k_sat is not a parameter of lcdm; parameters: H0"):
        cosmofit.background("lcdm", k_sat=1.0)


def test_out_of_bounds_parameter_is_refused():
    with pytest.raises(ParameterError, match=r"H0=10 is outside its bounds \[20, 150\]"):
        cosmofit.background("lcdm", H0=10.0)
    with pytest.raises(ParameterError, match="not a finite number"):
        cosmofit.background("lcdm", Om0=float("nan"))


def test_unknown_model_suggests_a_name():
    with pytest.raises(UsageError, match="did you mean pbuf"):
        cosmofit.background("pbfu")


def test_unphysical_point_raises_physics_error_where_distances_are_computed():
    model = get_model("lcdm")
    params = {**model.defaults, "Om0": -0.5}  # bypasses the bounds on purpose
    bg = Background(model, params)  # nothing is evaluated yet: E^2 < 0 only above z = 0.44
    assert float(bg.DM(0.3)) > 0
    with pytest.raises(PhysicsError, match="E\\(z\\)\\^2 <= 0 or NaN at z = "):
        bg.DM(1.0)


LATE_Z = np.array([1e-3, 2e-3, 5e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0])


def bound_box_points(model, n: int, seed: int) -> list[dict[str, float]]:
    """Random points over the whole bound box, each parameter at a bound half of the time."""
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point = model.defaults
        for spec in model.params:
            if spec.fixed_only:
                continue
            draw = rng.random()
            side = 0 if draw < 0.25 else 1 if draw < 0.5 else None
            point[spec.name] = spec.from_unit(rng.random()) if side is None else spec.bounds[side]
        points.append(point)
    return points


@pytest.mark.parametrize("name", available_models())
def test_every_model_meets_1e7_against_quadrature_over_its_bound_box(name):
    # Late-time distances for z in [0.001, 3] to 1e-7 (measured: < 3e-11), and the
    # early-universe scales r_s(z*), r_d (1e-7; measured 1.5e-8) and D_M(z*).
    model = get_model(name)
    worst_late = worst_early = 0.0
    for params in bound_box_points(model, 25, seed=7):
        try:  # unphysical corners (neutrinos outweighing matter, E^2 <= 0) are skipped
            bg = Background(model, params)
            late = bg.DM(LATE_Z)
        except PhysicsError:
            continue

        def inverse_e(z: float, bg=bg) -> float:
            return 1.0 / float(bg.E(z))

        def transverse(dc_over_dh: float, bg=bg):  # sinh/sin of D_C for curved points
            return transverse_comoving_distance(
                bg.hubble_distance * dc_over_dh, bg.Ok0, bg.hubble_distance
            )

        reference = [quad(inverse_e, 0.0, z, epsrel=1e-13, epsabs=0, limit=500)[0] for z in LATE_Z]
        worst_late = max(worst_late, np.max(np.abs(late / transverse(np.array(reference)) - 1)))
        dm_star = quad(inverse_e, 0.0, bg.z_star, epsrel=1e-12, epsabs=0, limit=800)[0]
        worst_early = max(worst_early, abs(bg.DM_star / transverse(dm_star) - 1))
        loading = 0.75 * bg.omega_b / bg.omega_gamma

        def sound(z: float, bg=bg, loading=loading) -> float:
            return C_KM_S / math.sqrt(3.0 * (1.0 + loading / (1.0 + z))) / float(bg.H(z))

        for z, value in ((bg.z_star, bg.rs_star), (bg.z_drag, bg.r_drag)):
            reference_rs = quad(sound, z, np.inf, epsrel=1e-12, limit=800)[0]
            worst_early = max(worst_early, abs(value / reference_rs - 1))
    assert worst_late <= 1e-7
    assert worst_early <= 1e-7
