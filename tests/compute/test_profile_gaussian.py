"""Profiles of a correlated 3-D Gaussian, whose intervals are exactly mu +- sigma and +- 2 sigma."""

from __future__ import annotations

import json

import numpy as np
import pytest
from toy_sources import MEAN, PROFILE_KEYS, SIGMAS, gaussian_request

from cosmofit.compute.engine import ComputeOptions
from cosmofit.compute.tasks import TaskResult
from cosmofit.errors import UsageError
from cosmofit.fitting.profile import (
    PROFILE_FILE,
    _analyse,
    crossings,
    non_monotone,
    parse_grid,
    run_profile,
)
from cosmofit.models.params import ParamSpec

MU, SIGMA = MEAN[0], SIGMAS[0]


def check_gaussian_profile(result) -> None:
    assert result.interval_1sigma == pytest.approx([MU - SIGMA, MU + SIGMA], abs=1e-3)
    assert result.interval_2sigma == pytest.approx([MU - 2 * SIGMA, MU + 2 * SIGMA], abs=1e-3)
    assert result.best == pytest.approx(MU, abs=1e-4)
    assert result.hessian_sigma == pytest.approx(SIGMA, rel=1e-3)
    assert result.half_widths_1sigma == pytest.approx([SIGMA, SIGMA], abs=1e-3)
    grid = np.asarray(result.grid)
    assert result.delta_chi2 == pytest.approx(((grid - MU) / SIGMA) ** 2, abs=1e-6)
    # the nuisance parameters follow their conditional means along the profile
    assert result.nuisance["y"] == pytest.approx(-0.3 + 0.6 * 2.0 * (grid - MU), abs=1e-4)
    assert result.failed == [] and result.outliers == [] and result.warnings == []


def test_in_process_profile_equals_the_analytic_intervals(tmp_path):
    out = tmp_path / "run"
    result = run_profile(gaussian_request(), ComputeOptions(scheduler="none", out_dir=out))
    check_gaussian_profile(result)
    assert result.scheduler == "this process"
    stored = json.loads((out / PROFILE_FILE).read_text())
    assert stored.keys() >= PROFILE_KEYS
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == result.tasks
    assert not (out / "dask-scratch").exists()


def test_local_cluster_profile_equals_the_analytic_intervals(tmp_path):
    out = tmp_path / "run"
    options = ComputeOptions(scheduler="local", workers=2, out_dir=out)
    result = run_profile(gaussian_request(), options)
    check_gaussian_profile(result)
    assert result.scheduler.startswith("local cluster")
    workers = {json.loads(line)["worker"] for line in (out / "results.jsonl").open()}
    assert len(workers) == 2  # both workers did some of the work
    assert not (out / "dask-scratch").exists()  # scratch space was inside --out, then removed


def test_open_interval_at_the_grid_edge_is_reported():
    result = run_profile(
        gaussian_request(grid=(0.45, 0.75, 7), sweeps=0), ComputeOptions(scheduler="none")
    )
    assert result.interval_1sigma[0] is None
    assert result.interval_1sigma[1] == pytest.approx(MU + SIGMA, abs=1e-3)
    assert any("open below" in w and "widen --grid" in w for w in result.warnings)


def test_grid_point_below_the_global_fit_lowers_the_minimum():
    request = gaussian_request(grid=(0.3, 0.7, 9))
    specs = {s.name: s for s in request.source.specs()}

    def result(key, x, chi2):
        return TaskResult(key=key, digest="-", status="ok", chi2=chi2, params={"y": 0.0, "z": 1.0})

    # a global fit that stopped 0.5 above the true minimum, at x = 0.55
    best_global = result("global/0", 0.55, 0.5)
    best_at = {
        i: result(f"grid/{i}/0", x, ((x - MU) / SIGMA) ** 2) for i, x in enumerate(request.grid)
    }
    out = _analyse(
        request, specs, best_global, {"x": 0.55, "y": 0.0, "z": 1.0}, SIGMA, best_at, [None] * 9
    )
    assert out["chi2_min"] == pytest.approx(0.0, abs=1e-12)
    assert out["lowered_by"] == pytest.approx(0.5)
    assert out["best"] == pytest.approx(MU, abs=1e-9)
    assert out["interval_1sigma"] == pytest.approx([MU - SIGMA, MU + SIGMA], abs=1e-9)
    assert any("beats the global fit by 0.5" in w for w in out["warnings"])


def test_non_monotone_points_are_flagged():
    delta = np.array([9.0, 4.0, 1.0, 0.0, 1.0, 6.0, 4.0, 9.0])
    assert non_monotone(delta) == [5]
    assert non_monotone(np.array([4.0, 5.0, 1.0, 0.0, 1.0])) == [1]
    assert non_monotone(np.array([4.0, 1.0, 0.0, 1.0, 4.0])) == []


def test_crossings_of_a_parabola_are_exact():
    x = np.linspace(-3, 3, 7)
    low, high = crossings(list(x), list(x**2), 0.0, 2.0)
    assert low == pytest.approx(-np.sqrt(2.0), abs=1e-12)
    assert high == pytest.approx(np.sqrt(2.0), abs=1e-12)
    assert crossings(list(x), list(x**2), 0.0, 100.0) == (None, None)


@pytest.mark.parametrize("text", ["0.3:0.2:5", "0.1:0.2", "a:b:c", "0.1:0.2:2", "-2:0.5:5"])
def test_bad_grids_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_grid(text, ParamSpec("Om0", 0.3, (0.01, 0.99)))


def test_profiled_parameter_cannot_be_minimised_too():
    request = gaussian_request()
    request.optimize = ["x", "y"]
    with pytest.raises(UsageError, match="profiled parameter"):
        run_profile(request, ComputeOptions(scheduler="none"))
