"""Priors: parsing, normalisation (a proper density over the hard bounds), transforms, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from cosmofit.errors import UsageError
from cosmofit.fitting.priors import Prior, build_priors, config_prior, parse_prior
from cosmofit.models.registry import get_model


def test_parse_flat_and_gaussian():
    assert parse_prior("H0=60:80") == ("H0", {"low": 60.0, "high": 80.0})
    assert parse_prior("Obh2~0.02218,0.00055") == ("Obh2", {"mean": 0.02218, "sigma": 0.00055})


@pytest.mark.parametrize("text", ["H0", "H0=60", "H0=a:b", "H0~1", "=1:2", "H0~1,2,3"])
def test_malformed_priors_name_the_syntax(text):
    with pytest.raises(UsageError, match="P=LO:HI nor P~MEAN,SIGMA"):
        parse_prior(text)


@pytest.mark.parametrize(
    "prior",
    [Prior("x", 1.0, 3.0), Prior("x", 0.0, 1.0, mean=0.2, sigma=0.3)],
)
def test_log_prior_integrates_to_one_and_is_minus_inf_outside(prior):
    total, _ = quad(
        lambda x: float(np.exp(prior.log_prior(np.array([x]))[0])), prior.low, prior.high
    )
    assert total == pytest.approx(1.0, rel=1e-8)
    assert prior.log_prior(np.array([prior.low - 1e-6, prior.high + 1e-6])).tolist() == [
        -np.inf,
        -np.inf,
    ]


def test_unit_transform_maps_quantiles():
    flat = Prior("x", 2.0, 4.0)
    assert flat.from_unit(np.array([0.0, 0.25, 1.0])).tolist() == [2.0, 2.5, 4.0]
    gauss = Prior("x", -19.0, 21.0, mean=1.0, sigma=2.0)  # symmetric, 10 sigma
    assert gauss.from_unit(np.array([0.5]))[0] == pytest.approx(1.0)
    assert gauss.from_unit(np.array([0.841344746]))[0] == pytest.approx(3.0, rel=1e-6)


def test_build_priors_precedence_and_checks():
    model = get_model("lcdm")
    priors = build_priors(
        model,
        ["H0", "Om0", "Obh2"],
        {"H0": {"low": 50.0, "high": 90.0}, "Obh2": {"mean": 0.0222, "sigma": 0.0005}},
        ["H0=60:80"],
    )
    by_name = {p.name: p for p in priors.priors}
    assert (by_name["H0"].low, by_name["H0"].high) == (60.0, 80.0)  # CLI beats config
    assert (by_name["Om0"].low, by_name["Om0"].high) == model.spec("Om0").bounds
    assert by_name["Obh2"].gaussian and by_name["Obh2"].low == model.spec("Obh2").bounds[0]
    with pytest.raises(UsageError, match="leaves its hard bounds"):
        build_priors(model, ["H0"], cli=["H0=10:80"])
    with pytest.raises(UsageError, match="not sampled"):
        build_priors(model, ["H0"], cli=["Om0=0.2:0.4"])
    with pytest.raises(UsageError, match="not a parameter"):
        build_priors(model, ["H0"], cli=["h0=60:80"])
    with pytest.raises(UsageError, match="sigma must be a positive"):
        build_priors(model, ["H0"], cli=["H0~70,0"])


def test_config_prior_forms():
    assert config_prior("H0", [60, 80], "[priors.lcdm]") == {"low": 60.0, "high": 80.0}
    assert config_prior("Obh2", {"mean": 0.022, "sigma": 0.001}, "x") == {
        "mean": 0.022,
        "sigma": 0.001,
    }
    with pytest.raises(UsageError, match=r"use \[LO, HI\]"):
        config_prior("H0", {"centre": 70}, "[priors.lcdm]")
