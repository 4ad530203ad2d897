"""Dataset names, aliases and the ``joint`` shorthand; the registry stays numpy-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cosmofit.data import registry
from cosmofit.data.registry import DatasetSpec, get_dataset, resolve_datasets
from cosmofit.errors import UsageError

BUILTIN = {
    "planck18_priors": ("cmb", 3),
    "desi_dr2": ("bao", 13),
    "desi_dr1": ("bao", 12),
    "sdss_dr12": ("bao", 4),
    "sixdf": ("bao", 1),
    "mgs": ("bao", 1),
    "union3": ("sn", 22),
    "pantheon+": ("sn", 1590),
    "des_dovekie": ("sn", 1820),
    "planck_pr4_compressed": ("prior", 3),
    "bbn": ("prior", 1),
    "bbn_cooke": ("prior", 1),
    "sh0es": ("prior", 1),
}


def names(text) -> list[str]:
    return [spec.name for spec in resolve_datasets(text)]


def test_builtin_specs_are_registered_with_kind_and_size():
    specs = {spec.name: spec for spec in registry.available_datasets() if spec.builtin}
    assert {name: (spec.kind, spec.n_points) for name, spec in specs.items()} == BUILTIN
    for spec in specs.values():
        assert "arXiv:" in spec.citation


def test_aliases_and_joint():
    assert names("cmb") == ["planck18_priors"]
    assert names("bao") == ["desi_dr2"]
    assert names("sn") == names("pantheon_plus") == ["pantheon+"]
    assert names("joint") == ["planck18_priors", "desi_dr2", "pantheon+"]


def test_resolve_tolerates_blanks_and_deduplicates_in_order():
    assert names(" desi_dr1 , cmb,,planck18_priors, joint ") == [
        "desi_dr1",
        "planck18_priors",
        "desi_dr2",
        "pantheon+",
    ]
    assert names(["sn", "union3, sn"]) == ["pantheon+", "union3"]


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UsageError) as info:
        resolve_datasets("cmb,desi_dr3")
    message = str(info.value)
    assert "'desi_dr3'" in message and "did you mean 'desi_dr2'" in message
    assert "pantheon+" in message and "\n" not in message


def test_empty_request_is_a_usage_error():
    with pytest.raises(UsageError, match="no dataset given"):
        resolve_datasets(" , ")


def test_get_dataset_by_alias():
    assert get_dataset("pantheon_plus") is get_dataset("pantheon+")


def test_duplicate_names_and_aliases_are_refused():
    spec = get_dataset("union3")
    with pytest.raises(KeyError):
        registry.register_dataset(spec)
    clash = spec.model_copy(update={"name": "union3_copy", "aliases": ("sn",)})
    with pytest.raises(KeyError):
        registry.register_dataset(clash)
    assert "union3_copy" not in registry.DATASETS


def test_spec_is_frozen_and_strict():
    spec = get_dataset("mgs")
    with pytest.raises(ValueError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        DatasetSpec(**{**spec.model_dump(), "colour": "blue"})
    with pytest.raises(ValueError):
        DatasetSpec(**{**spec.model_dump(), "kind": "lensing"})


def test_user_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COSMOFIT_DATA_DIR", str(tmp_path))
    assert registry.user_data_dir() == tmp_path
    monkeypatch.delenv("COSMOFIT_DATA_DIR")
    assert registry.user_data_dir().name == "datasets"


def test_registry_import_and_lookup_do_not_import_numpy():
    code = (
        "import sys, cosmofit.data.registry as r; r.resolve_datasets('joint');"
        " r.available_datasets(); assert 'numpy' not in sys.modules, 'numpy imported'"
    )
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
