"""theta* = r_s(z*)/D_M(z*) with the CAMB-calibrated z*, against CAMB 2.0.5's thetastar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cosmofit.physics.background import background
from cosmofit.physics.early import theta_star, z_star_camb, z_star_hu_sugiyama

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "camb_theta_star.json"
REFERENCE = json.loads(REFERENCE_FILE.read_text())


def _bg(point):
    return background(
        "lcdm", H0=point["H0"], Om0=point["Om0"], Obh2=point["Obh2"], Neff=point["Neff"]
    )


@pytest.mark.parametrize("subset", ["grid", "random"])
def test_theta_star_matches_camb_within_3e_5(subset):
    """Fitted on the grid; the quasi-random points test it where it was not fitted."""
    worst = max(
        abs(100.0 * theta_star(_bg(p)) / p["camb_100thetastar"] - 1.0) for p in REFERENCE[subset]
    )
    assert worst <= 3e-5


def test_theta_star_with_a_massive_neutrino():
    """One massive state (z* takes the cold matter omega_cb): 3e-5 up to 0.15 eV, 1e-4 at 0.3."""
    for point in REFERENCE["massive"]:
        bg = background(
            "lcdm",
            H0=point["H0"],
            Om0=point["Om0"],
            Obh2=point["Obh2"],
            Neff=point["Neff"],
            mnu=point["mnu"],
        )
        difference = abs(100.0 * theta_star(bg) / point["camb_100thetastar"] - 1.0)
        assert difference <= (3e-5 if point["mnu"] <= 0.15 else 1e-4), point


def test_calibrated_z_star_matches_camb_z_star():
    for point in REFERENCE["grid"] + REFERENCE["random"]:
        omega_m = point["Obh2"] + point["Och2"]
        assert z_star_camb(point["Obh2"], omega_m, point["Neff"]) == pytest.approx(
            point["camb_zstar"], abs=0.02
        )


def test_hu_sugiyama_z_star_would_miss_the_theta_star_precision():
    """Why the calibration exists: the Hu & Sugiyama z* is off by several sigma(theta*)."""
    worst = 0.0
    for point in REFERENCE["grid"]:
        bg = _bg(point)
        z = z_star_hu_sugiyama(bg.omega_b, bg.omega_m)
        theta = float(bg.rs([z])[0] / bg.DM([z])[0])
        worst = max(worst, abs(100.0 * theta / point["camb_100thetastar"] - 1.0))
    assert worst > 5e-4


def test_distance_priors_keep_the_hu_sugiyama_z_star():
    """Chen et al. defined (R, l_A) with the Hu & Sugiyama z*: the background keeps it."""
    bg = background("lcdm")
    assert bg.z_star == z_star_hu_sugiyama(bg.omega_b, bg.omega_m)
