"""Configuration mistakes give one precise error naming the source and the fix."""

from __future__ import annotations

import pytest

from cosmofit import config as cfg
from cosmofit.errors import ConfigError


@pytest.fixture
def write(tmp_path, monkeypatch):
    monkeypatch.setattr(cfg, "user_config_path", lambda: tmp_path / "no-user.toml")
    monkeypatch.chdir(tmp_path)

    def write_config(text: str):
        path = tmp_path / "study.toml"
        path.write_text(text)
        return path

    return write_config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[optimisation]\nmethod = 'Powell'\n",
            "unknown key 'optimisation'.*did you mean 'optimization'",
        ),
        (
            "[optimization]\nmetod = 'Powell'\n",
            "unknown key 'optimization.metod'.*did you mean 'optimization.method'",
        ),
        ("[optimization]\nstarts = 'many'\n", "invalid value for 'optimization.starts'"),
        (
            "[optimization]\ncovariance_scaling = 0\n",
            "covariance_scaling must be a positive number",
        ),
        ("[optimization]\ncovariance_scaling = -2.0\n", "covariance_scaling"),
        ("[optimization]\nmethod = 'simplex'\n", "invalid value for 'optimization.method'"),
        ("[run]\nmodel = \n", r"malformed TOML in .*study.toml: .*line 2, column 9"),
        ("[parameters]\nH0 = 'fast'\n", "invalid value for 'parameters.H0'"),
        ("[optimization.pbuf]\nmethod = 'Powell'\n", "unknown key 'optimization.pbuf.method'"),
        ("run = 3\n", "'run' in .* must be a table"),
    ],
)
def test_file_errors(write, text, message):
    path = write(text)
    with pytest.raises(ConfigError, match=message) as info:
        cfg.load_config({}, environ={}, config_file=path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "model", "message"),
    [
        (
            "[parameters]\nk_sat = 0.9\n",
            "lcdm",
            "k_sat is not a parameter of lcdm.*key 'parameters.k_sat'",
        ),
        ("[parameters]\nH0 = 500\n", "lcdm", "H0=500 is outside its bounds"),
        (
            "[optimization]\noptimize_parameters = ['H0']\nfrozen_parameters = ['H0']\n",
            "lcdm",
            "H0 is both optimized and frozen",
        ),
        ("[optimization]\noptimize_parameters = ['w']\n", "lcdm", "w is not a parameter of lcdm"),
        ("[run]\nmodel = 'lcmd'\n", None, "unknown model 'lcmd'; did you mean lcdm"),
    ],
)
def test_model_dependent_errors(write, text, model, message):
    path = write(text)
    effective = cfg.load_config({}, environ={}, config_file=path)
    target = model or effective.config.run.model
    with pytest.raises(ConfigError, match=message):
        cfg.check_for_model(effective, target)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        cfg.load_config({}, environ={}, config_file=tmp_path / "nope.toml")


def test_bad_environment_value_names_the_environment(write):
    with pytest.raises(ConfigError, match="in environment"):
        cfg.load_config({}, environ={"COSMOFIT_OPTIMIZATION__STARTS": "zero"})
    with pytest.raises(ConfigError, match="unknown key 'optimization.colour' in environment"):
        cfg.load_config({}, environ={"COSMOFIT_OPTIMIZATION__COLOUR": "red"})


def test_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).parents[2] / "config.example.toml"
    effective = cfg.load_config({}, environ={}, config_file=example)
    for model in ("lcdm", "pbuf"):
        cfg.check_for_model(effective, model)
    assert effective.optimize_parameters("pbuf") != effective.optimize_parameters("lcdm")
