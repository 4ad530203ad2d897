"""A small store with hand-made records (no optimizer run) and one report rendered from it,
and a store holding one small profile run made through the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from cosmofit.models.registry import get_model
from cosmofit.store.schema import OptimizationRecord, format_timestamp, new_run_id, utc_now
from cosmofit.store.store import OptimizedParameterStore

#: Record notes that must reach the page as text, never as markup.
HOSTILE_NOTE = '<script>alert(1)</script> & "quoted"'

#: chi2 per dataset of the two joint fits (made up, but summing like a real run).
CHI2 = {
    "lcdm": {"planck18_priors": 0.5, "desi_dr2": 12.25, "pantheon+": 1406.75},
    "pbuf": {"planck18_priors": 0.125, "desi_dr2": 11.0, "pantheon+": 1405.5},
}


def _make_record(
    model: str,
    chi2_by_dataset: dict[str, float],
    *,
    shift: float = 0.0,
    note: str | None = None,
    errors: dict[str, float] | None = None,
) -> OptimizationRecord:
    """An optimization record of ``model`` moving H0 and Om0 (and k_sat for pbuf)."""
    spec = get_model(model)
    start = {p.name: p.default for p in spec.params}
    final = dict(start, H0=start["H0"] + 0.5 + shift, Om0=start["Om0"] - 0.01)
    optimized = ["H0", "Om0"]
    if model == "pbuf":
        final["k_sat"] = 0.1  # the lower bound, to exercise the "at bound" flag
        optimized.append("k_sat")
    moment = utc_now()
    total = sum(chi2_by_dataset.values())
    return OptimizationRecord(
        run_id=new_run_id(moment),
        model=model,
        dataset_tag="+".join(chi2_by_dataset),
        datasets=list(chi2_by_dataset),
        timestamp=format_timestamp(moment),
        optimized=optimized,
        fixed=[p.name for p in spec.params if p.name not in optimized and p.name != "ns"],
        frozen=["ns"],
        start=start,
        final=final,
        chi2_start=total + 40.0,
        chi2=total,
        chi2_by_dataset=chi2_by_dataset,
        errors=errors if errors is not None else {"H0": 0.4, "Om0": 0.006},
        unconstrained=[],
        bounds_hit=["k_sat"] if model == "pbuf" else [],
        converged=True,
        message="test record",
        method="L-BFGS-B",
        nfev=100,
        wall_s=0.5,
        provenance={
            "versions": {"cosmofit": "test", "numpy": "x"},
            "optimizer": {"method": "L-BFGS-B", "options": {"ftol": 1e-12}},
            "datasets": {name: "0" * 64 for name in chi2_by_dataset},
            "settings_hash": "f" * 64,
            "note_path": "/tmp/<b>not bold</b>",
        },
        note=note,
    )


def _fill_store(root: Path) -> OptimizedParameterStore:
    """Two lcdm runs (the first on CMB only) and one pbuf run, all on cmb+bao+sn at the end."""
    store = OptimizedParameterStore(root)
    store.update_model_defaults(_make_record("lcdm", {"planck18_priors": 2.0}, shift=-0.2))
    store.update_model_defaults(_make_record("lcdm", CHI2["lcdm"], note=HOSTILE_NOTE))
    store.update_model_defaults(_make_record("pbuf", CHI2["pbuf"], errors={"H0": float("inf")}))
    return store


@pytest.fixture
def make_record():
    """Factory of optimization records: ``make_record(model, chi2_by_dataset, note=...)``."""
    return _make_record


@pytest.fixture
def chi2_table() -> dict[str, dict[str, float]]:
    """chi2 per dataset of the filled store's last lcdm and pbuf runs."""
    return CHI2


@pytest.fixture
def hostile_note() -> str:
    return HOSTILE_NOTE


@pytest.fixture
def filled_store(tmp_path) -> OptimizedParameterStore:
    """A fresh store with the three records of :func:`_fill_store`."""
    return _fill_store(tmp_path / "store")


@dataclass(frozen=True)
class RenderedReport:
    store_root: Path
    html: Path
    summary: Path
    summary_data: dict


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> RenderedReport:
    """The HTML report of the filled store, written once for all read-only tests."""
    from cosmofit.report.generate import generate_report

    root = tmp_path_factory.mktemp("store")
    store = _fill_store(root)
    out = tmp_path_factory.mktemp("report-out")
    summary, files = generate_report(store, html=True, out_dir=out)
    assert files.html is not None and files.html_summary is not None
    return RenderedReport(root, files.html, files.html_summary, summary)


#: A profile small enough for every test run: 4 grid points, one start, no sweeps, in process.
PROFILE_ARGS = [
    "profile", "Om0", "bao", "--model", "lcdm", "--params", "H0", "--set", "Obh2=0.02218",
    "--grid", "0.28:0.31:4", "--starts", "1", "--sweeps", "0", "--scheduler", "none",
]  # fmt: skip


@dataclass(frozen=True)
class ProfiledStore:
    root: Path
    run: Path
    output: str


@pytest.fixture(scope="session")
def profiled(tmp_path_factory) -> ProfiledStore:
    """A store holding one profile run made by the CLI with only $COSMOFIT_STORE set."""
    from typer.testing import CliRunner

    from cosmofit.cli import app

    root = tmp_path_factory.mktemp("profiled-store")
    proc = CliRunner().invoke(app, PROFILE_ARGS, env={"COSMOFIT_STORE": str(root)})
    assert proc.exit_code == 0, proc.output
    runs = list((root / "profiles").iterdir())
    assert len(runs) == 1
    return ProfiledStore(root, runs[0], proc.stdout)
