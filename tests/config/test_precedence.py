"""Every pair of configuration sources: the higher one wins, and is named as the source."""

from __future__ import annotations

import itertools

import pytest

from cosmofit import config as cfg

# lowest precedence first
SOURCES = ["default", "user", "project", "--config", "env", "cli"]


@pytest.fixture
def places(tmp_path, monkeypatch):
    user = tmp_path / "user" / "config.toml"
    user.parent.mkdir()
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    explicit = tmp_path / "explicit.toml"
    monkeypatch.setattr(cfg, "user_config_path", lambda: user)
    monkeypatch.chdir(project_dir)
    return {"user": user, "project": project_dir / "cosmofit.toml", "--config": explicit}


def configure(places, source: str, starts: int, environ: dict, cli: dict) -> None:
    text = f"[optimization]\nstarts = {starts}\n"
    if source in places:
        places[source].write_text(text)
    elif source == "env":
        environ["COSMOFIT_OPTIMIZATION__STARTS"] = str(starts)
    elif source == "cli":
        cli["optimization"] = {"starts": starts}


@pytest.mark.parametrize(("low", "high"), list(itertools.combinations(SOURCES, 2)))
def test_higher_source_wins(places, low, high):
    environ: dict[str, str] = {}
    cli: dict = {}
    values = {low: 3, high: 7}
    for source, starts in values.items():
        if source != "default":
            configure(places, source, starts, environ, cli)
    effective = cfg.load_config(
        cli, environ=environ, config_file=places["--config"] if "--config" in values else None
    )
    expected = 7 if high != "default" else 1
    assert effective.config.optimization.starts == expected
    source = effective.source_of("optimization.starts")
    label = {
        "user": "user config",
        "project": "project config",
        "--config": "--config",
        "env": "environment",
        "cli": "command line",
    }[high]
    assert source.startswith(label)


def test_per_model_section_beats_general_list_of_the_same_file(places):
    places["--config"].write_text(
        '[optimization]\noptimize_parameters = ["H0"]\n'
        '[optimization.pbuf]\noptimize_parameters = ["k_sat", "alpha"]\n'
    )
    effective = cfg.load_config({}, environ={}, config_file=places["--config"])
    assert effective.optimize_parameters("pbuf") == ["k_sat", "alpha"]
    assert effective.optimize_parameters("lcdm") == ["H0"]


def test_command_line_list_beats_a_per_model_file_section(places):
    places["--config"].write_text('[optimization.pbuf]\noptimize_parameters = ["k_sat"]\n')
    effective = cfg.load_config(
        {"optimization": {"optimize_parameters": ["H0", "Om0"]}},
        environ={},
        config_file=places["--config"],
    )
    assert effective.optimize_parameters("pbuf") == ["H0", "Om0"]


def test_parameter_overrides_merge_by_precedence(places):
    places["project"].write_text(
        "[parameters]\nH0 = 70.0\nOm0 = 0.3\n[parameters.pbuf]\nk_sat = 0.95\n"
    )
    effective = cfg.load_config({"parameters": {"H0": 71.0}}, environ={})
    assert effective.parameter_overrides("pbuf") == {"H0": 71.0, "Om0": 0.3, "k_sat": 0.95}
    assert effective.parameter_overrides("lcdm") == {"H0": 71.0, "Om0": 0.3}
    assert effective.parameter_sources("pbuf")["H0"] == "command line"


def test_environment_lists_and_store_alias(places):
    effective = cfg.load_config(
        {},
        environ={
            "COSMOFIT_RUN__DATASETS": "cmb,bao",
            "COSMOFIT_STORE": "/tmp/somewhere",
            "COSMOFIT_OPTIMIZATION__WARM_START": "true",
            "COSMOFIT_DEBUG": "1",
        },
    )
    assert effective.config.run.datasets == ["cmb", "bao"]
    assert effective.config.run.store == "/tmp/somewhere"
    assert effective.config.optimization.warm_start is True
