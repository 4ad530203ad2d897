"""``cosmofit sample`` end to end: GetDist root, summary, store record, resume, priors, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

#: A small BAO-only run: seconds, and enough to check every output.
SMALL = ("sample", "bao", "--params", "H0,Om0,Obh2", "--chains", "2", "--walkers", "12")


def chain_bytes(directory: Path) -> list[bytes]:
    return [(directory / f"chain_{i}.txt").read_bytes() for i in (1, 2)]


def test_sample_writes_a_getdist_root_a_summary_and_a_store_record(run_cli, tmp_path):
    out = tmp_path / "run"
    proc = run_cli(*SMALL, "--steps", "60", "--out", str(out), "--json", check=True)
    result = json.loads(proc.stdout)
    assert result["sampled"] == ["H0", "Om0", "Obh2"] and result["steps"] == 60
    assert result["converged"] is False  # 60 steps cannot reach R-1 < 0.01 ...
    assert result["convergence"].startswith("NOT converged")  # ... and the run says so
    assert any("NOT converged" in w for w in result["warnings"])
    assert result["r_minus_one"].keys() == {"H0", "Om0", "Obh2"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["marginals"] == result["marginals"] and summary["run_id"] == result["run_id"]

    from getdist import loadMCSamples

    samples = loadMCSamples(str(out / "chain"), settings={"ignore_rows": 0})
    names = [p.name for p in samples.paramNames.names]
    for name in ("H0", "Om0", "Obh2", "omegamh2", "r_drag", "hrdrag", "z_star", "chi2"):
        assert name in names
    assert "chi2__desi_dr2" in names
    derived = {p.name for p in samples.paramNames.names if p.isDerived}
    assert {"omegamh2", "hrdrag", "chi2"} <= derived and "Om0" not in derived
    properties = (out / "chain.properties.ini").read_text()
    assert f"ignore_rows = {result['burn_in'] * 12}" in properties
    # the derived columns are functions of the sampled ones
    table = np.loadtxt(out / "chain_1.txt")
    h0, om0, omh2 = table[:, 2], table[:, 3], table[:, 2 + names.index("omegamh2")]
    assert omh2 == pytest.approx(om0 * (h0 / 100) ** 2, rel=1e-12)
    assert table.shape[0] == 60 * 12

    history = json.loads(run_cli("store", "history", "lcdm", "--json", check=True).stdout)
    record = next(r for r in history if r["kind"] == "sample")
    assert record["run_id"] == result["run_id"] and record["directory"] == str(out)
    assert record["provenance"]["datasets"]["desi_dr2"]
    assert record["settings"]["seed"] == 0 and record["priors"]["H0"] == {
        "low": 20.0,
        "high": 150.0,
    }
    assert "sampling runs" in run_cli("store", "history", "lcdm", check=True).stdout


def test_resume_and_a_torn_chain_file_end_as_an_uninterrupted_run(run_cli, tmp_path):
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    run_cli(*SMALL, "--steps", "100", "--out", str(clean), "--json", check=True)
    run_cli(*SMALL, "--steps", "50", "--out", str(resumed), "--json", check=True)
    # a kill in the middle of a write: the last line is cut short
    path = resumed / "chain_2.txt"
    path.write_bytes(path.read_bytes()[:-7])
    proc = run_cli(*SMALL, "--steps", "100", "--out", str(resumed), "--resume", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resumed_segments"] == 1  # chain 1 kept, chain 2 redone
    assert chain_bytes(resumed) == chain_bytes(clean)


def test_priors_from_toml_are_shown_and_used_and_cli_priors_win(run_cli, tmp_path):
    config = tmp_path / "study.toml"
    config.write_text("[priors.lcdm]\nH0 = [50, 90]\nObh2 = {mean = 0.02218, sigma = 0.00055}\n")
    shown = json.loads(run_cli("--config", str(config), "config", "show", "--json").stdout)
    assert shown["settings"]["priors.lcdm.H0"] == [50, 90]
    assert shown["settings"]["priors.lcdm.Obh2.sigma"] == 0.00055
    proc = run_cli("--config", str(config), *SMALL, "--prior", "H0=60:80", "--dry-run", "--json")
    priors = json.loads(proc.stdout)["priors"]
    assert priors["H0"] == "U[60, 80]"
    assert priors["Obh2"] == "N(0.02218, 0.00055) in [0.005, 0.1]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--prior", "H0=10:80", "--steps", "5"), "leaves its hard bounds"),
        (("--prior", "H0", "--steps", "5"), "P=LO:HI"),
        (("--steps", "5", "--until-converged"), "exclude each other"),
        ((), "--steps S or --until-converged"),
        (("--steps", "5", "--resume", "--out", "nowhere"), "nothing to resume"),
    ],
)
def test_bad_requests_get_one_line_errors(run_cli, tmp_path, args, message):
    proc = run_cli(*SMALL, *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.strip()]) == 1


def test_a_bad_toml_prior_names_its_file(run_cli, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[priors.lcdm]\nH0 = "wide"\n')
    proc = run_cli("--config", str(config), *SMALL, "--dry-run")
    assert proc.returncode != 0
    assert "H0" in proc.stderr and str(config) in proc.stderr and "Traceback" not in proc.stderr


def test_store_export_writes_a_minimum_and_covmat_that_getdist_reads(run_cli, tmp_path):
    opt = run_cli("optimize", "bao", "--model", "lcdm", "--params", "H0,Om0", "--json", check=True)
    run_id = json.loads(opt.stdout)["run_id"]
    errors = json.loads(opt.stdout)["errors"]
    out = tmp_path / "export"
    for fmt, om in (("getdist", "Om0"), ("cobaya", "omegam")):
        run_cli("store", "export", run_id, "--format", fmt, "--out", str(out), check=True)
        header = (out / f"{run_id}.covmat").read_text().splitlines()[0]
        assert header == f"# H0 {om}"
    from getdist.types import BestFit

    cov = np.loadtxt(out / f"{run_id}.covmat")
    # the inverse Hessian at the stored best fit: its diagonal is the stored Hessian errors
    assert np.sqrt(np.diag(cov)) == pytest.approx([errors["H0"], errors["Om0"]], rel=1e-3)
    best = BestFit(str(out / f"{run_id}.minimum"), want_fixed=True)
    values = {p.name: p.best_fit for p in best.names}
    assert values["omegam"] == pytest.approx(json.loads(opt.stdout)["params"]["Om0"], rel=1e-9)
    assert "hrdrag" in values and best.logLike > 0
    proc = run_cli("store", "export", "no-such-run")
    assert proc.returncode != 0 and "no optimization" in proc.stderr
