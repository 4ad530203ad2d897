"""The early-universe validity warning: H(z*) against the standard rate, computed by hand."""

from __future__ import annotations

import math

import pytest

from cosmofit.fitting.validity import EARLY_DEPARTURE, early_departure, early_universe_warning
from cosmofit.models.registry import get_model
from cosmofit.physics.constants import omega_radiation_h2


def test_departure_is_the_radiation_rescaling_at_z_star():
    """Independent of the model code: k_sat rescales radiation by 1 + (k_sat - 1) g(z*)."""
    pbuf = get_model("pbuf")
    params = pbuf.complete({"k_sat": 0.1, "eps0": 0.0})
    z, departure = early_departure(pbuf, params)
    a = 1.0 + z
    o_r = omega_radiation_h2(params["Tcmb"], params["Neff"]) / (params["H0"] / 100) ** 2
    om = params["Om0"]
    g, g0 = 1 / (1 + a / 1000), 1 / (1 + 1 / 1000)
    standard = om * a**3 + o_r * a**4 + (1 - om - o_r)
    rescaled = om * a**3 + o_r * a**4 * (1 - 0.9 * g) + (1 - om - o_r * (1 - 0.9 * g0))
    assert departure == pytest.approx(math.sqrt(rescaled / standard) - 1, rel=1e-9)
    assert departure < -0.05  # radiation at 57% of standard at z*: H is 5% low


def test_warned_only_beyond_the_threshold_and_only_for_early_data():
    pbuf = get_model("pbuf")
    far = pbuf.complete({"k_sat": 0.1})
    assert "pre-recombination" in early_universe_warning(pbuf, far, ["cmb"])
    assert early_universe_warning(pbuf, far, ["sn"]) is None  # SNe use no early shortcut
    near = pbuf.complete({"k_sat": 0.9762})
    assert abs(early_departure(pbuf, near)[1]) < EARLY_DEPARTURE
    assert early_universe_warning(pbuf, near, ["cmb", "bao"]) is None
    lcdm = get_model("lcdm")
    assert early_departure(lcdm, lcdm.defaults)[1] == 0.0
