"""The model registry and parameter declarations (PHYSICS.md section 2 table)."""

from __future__ import annotations

import math

import pytest

from cosmofit.models.params import ParamSpec
from cosmofit.models.registry import Model, available_models, get_model, register_model

TABLE = {
    "H0": (67.4, (20, 150)),
    "Om0": (0.315, (0.01, 0.99)),
    "Obh2": (0.02237, (0.005, 0.1)),
    "ns": (0.9649, (0.5, 1.5)),
    "Neff": (3.046, (1, 10)),
    "Tcmb": (2.7255, (2, 3)),
    "alpha": (5e-4, (1e-6, 1e-2)),
    "Rmax": (1e9, (1e6, 1e12)),
    "eps0": (0.7, (0, 2)),
    "n_eps": (0.0, (-2, 2)),
    "k_sat": (0.9762, (0.1, 2.0)),
    "mnu": (0.0, (0, 1)),
    "Ok0": (0.0, (-0.3, 0.3)),
    "w": (-1.0, (-3, 0)),
    "w0": (-1.0, (-3, 1)),
    "wa": (0.0, (-3, 2)),
}


def test_builtin_models_are_registered():
    assert {"lcdm", "pbuf", "wcdm", "w0wa"} <= set(available_models())


@pytest.mark.parametrize("name", ["lcdm", "pbuf", "wcdm", "w0wa"])
def test_defaults_and_bounds_follow_the_physics_table(name):
    model = get_model(name)
    for spec in model.params:
        default, bounds = TABLE[spec.name]
        assert spec.default == default
        assert spec.bounds == (float(bounds[0]), float(bounds[1]))


def test_optimizable_sets():
    # ns enters no background observable: not moved unless asked for
    assert get_model("lcdm").optimizable == ("H0", "Om0", "Obh2")
    assert get_model("pbuf").optimizable == (
        "H0",
        "Om0",
        "Obh2",
        "alpha",
        "Rmax",
        "eps0",
        "n_eps",
        "k_sat",
    )
    assert get_model("pbuf").spec("Rmax").scale == "log"
    assert get_model("w0wa").optimizable == ("H0", "Om0", "Obh2", "w0", "wa")


@pytest.mark.parametrize("name", ["lcdm", "pbuf", "wcdm", "w0wa"])
def test_every_model_has_mnu_and_curvature_where_defined(name):
    model = get_model(name)
    assert "mnu" in model.param_names and "mnu" not in model.optimizable
    # PBUF's closure is defined for a flat budget: it gets no curvature.
    assert ("Ok0" in model.param_names) is (name != "pbuf")
    assert "Ok0" not in model.optimizable


def test_records_written_before_new_parameters_read_with_their_defaults():
    model = get_model("lcdm")
    old = {"H0": 68.0, "Om0": 0.3, "Obh2": 0.0224, "ns": 0.96, "Neff": 3.046, "Tcmb": 2.7255}
    assert model.backfilled(old) == {**old, "mnu": 0.0, "Ok0": 0.0}
    # A parameter without the backfill mark stays missing.
    assert "w0" not in get_model("w0wa").backfilled(old)


def test_unit_mapping_round_trips_and_uses_log10_for_rmax():
    rmax = get_model("pbuf").spec("Rmax")
    assert rmax.to_unit(1e9) == pytest.approx(0.5)
    for value in (1e6, 3.3e7, 1e9, 1e12):
        assert rmax.from_unit(rmax.to_unit(value)) == pytest.approx(value, rel=1e-12)
    h0 = get_model("lcdm").spec("H0")
    assert h0.from_unit(-0.2) == 20.0 and h0.from_unit(1.7) == 150.0


def test_duplicate_registration_is_refused():
    with pytest.raises(KeyError, match="already registered"):
        register_model(Model("lcdm", "again", get_model("lcdm").params, lambda z, p, r: z))


def test_param_spec_rejects_inconsistent_declarations():
    with pytest.raises(ValueError, match="outside"):
        ParamSpec("x", 5.0, (0.0, 1.0))
    with pytest.raises(ValueError, match="positive bounds"):
        ParamSpec("x", 0.5, (0.0, 1.0), scale="log")
    assert not ParamSpec("x", 0.5, (0.0, 1.0)).contains(math.nan)


def test_complete_fills_defaults_and_keeps_overrides():
    model = get_model("lcdm")
    full = model.complete({"H0": 70})
    assert full["H0"] == 70.0 and full["Om0"] == 0.315 and set(full) == set(model.param_names)
