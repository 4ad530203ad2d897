"""ParameterOptimizer and the Hessian errors on objectives with known minima."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosmofit.errors import OptimizationError, UsageError
from cosmofit.fitting.hessian import estimate_errors
from cosmofit.fitting.optimizer import METHODS, ParameterOptimizer
from cosmofit.models.params import ParamSpec

X = ParamSpec("x", 0.0, (-5.0, 5.0))
Y = ParamSpec("y", 0.0, (-5.0, 5.0))
Z = ParamSpec("z", 0.0, (-5.0, 5.0))
LOGP = ParamSpec("s", 1e3, (1.0, 1e6), scale="log")


def quadratic(p):
    # chi2 of a correlated Gaussian: sigma_x = 0.1, sigma_y = 0.2, rho = 0.5, centred at (1.2, -0.7)
    d = np.array([p["x"] - 1.2, p["y"] + 0.7])
    cov = np.array([[0.01, 0.5 * 0.1 * 0.2], [0.5 * 0.1 * 0.2, 0.04]])
    return float(d @ np.linalg.solve(cov, d))


def errors_of(opt, outcome):
    return estimate_errors(opt.chi2_at, outcome.u_best, opt.space.specs, {**outcome.best})


@pytest.mark.parametrize("method", METHODS)
def test_shifted_quadratic_every_method(method):
    opt = ParameterOptimizer(quadratic, [X, Y], method=method)
    outcome = opt.run({"x": 0.0, "y": 0.0})
    assert outcome.best["x"] == pytest.approx(1.2, abs=1e-4)
    assert outcome.best["y"] == pytest.approx(-0.7, abs=1e-4)
    assert outcome.chi2 < 1e-7
    assert outcome.chi2_start == pytest.approx(quadratic({"x": 0.0, "y": 0.0}))


def test_quadratic_errors_equal_the_gaussian_sigmas():
    opt = ParameterOptimizer(quadratic, [X, Y])
    outcome = opt.run({"x": 0.0, "y": 0.0})
    est = errors_of(opt, outcome)
    assert est.errors["x"] == pytest.approx(0.1, rel=1e-4)
    assert est.errors["y"] == pytest.approx(0.2, rel=1e-4)
    assert est.correlation["x"]["y"] == pytest.approx(0.5, abs=1e-4)
    assert est.unconstrained == [] and est.at_bound == []


def test_rosenbrock_inside_the_bounds():
    def rosenbrock(p):
        return (1 - p["x"]) ** 2 + 100 * (p["y"] - p["x"] ** 2) ** 2

    outcome = ParameterOptimizer(rosenbrock, [X, Y], starts=4, seed=3).run({"x": -1.5, "y": 2.0})
    assert outcome.best["x"] == pytest.approx(1.0, abs=1e-4)
    assert outcome.best["y"] == pytest.approx(1.0, abs=2e-4)
    assert len(outcome.starts) == 4
    assert outcome.spread < 1e-6


def test_minimum_on_a_bound_is_reported():
    def slope(p):
        return (p["x"] - 7.0) ** 2 + (p["y"] - 1.0) ** 2  # x wants 7, bounded by 5

    opt = ParameterOptimizer(slope, [X, Y])
    outcome = opt.run({"x": 0.0, "y": 0.0})
    assert outcome.best["x"] == pytest.approx(5.0, abs=1e-9)
    est = errors_of(opt, outcome)
    assert est.at_bound == ["x"]
    assert "x" not in est.errors and est.errors["y"] == pytest.approx(1.0, rel=1e-3)


def test_flat_direction_is_unconstrained_not_given_an_error():
    def flat_in_z(p):
        return ((p["x"] - 1.0) / 0.3) ** 2 + 1e-9 * p["z"] ** 2

    opt = ParameterOptimizer(flat_in_z, [X, Z])
    outcome = opt.run({"x": 0.0, "z": 0.5})
    est = errors_of(opt, outcome)
    assert est.unconstrained == ["z"]
    assert est.errors == {"x": pytest.approx(0.3, rel=1e-4)}


def test_degenerate_combination_is_unconstrained():
    def only_sum(p):
        return ((p["x"] + p["y"] - 1.0) / 0.1) ** 2

    opt = ParameterOptimizer(only_sum, [X, Y])
    outcome = opt.run({"x": 0.0, "y": 0.0})
    est = errors_of(opt, outcome)
    assert len(est.unconstrained) >= 1


def test_log_scale_parameter_error_in_its_own_units():
    def lognormal(p):
        return ((math.log10(p["s"]) - 4.0) / 0.05) ** 2

    opt = ParameterOptimizer(lognormal, [LOGP])
    outcome = opt.run({"s": 10.0})
    assert outcome.best["s"] == pytest.approx(1e4, rel=1e-5)
    est = errors_of(opt, outcome)
    assert est.errors["s"] == pytest.approx(1e4 * math.log(10) * 0.05, rel=1e-3)


def test_fixed_parameters_reach_the_objective():
    seen = {}

    def objective(p):
        seen.update(p)
        return (p["x"] - p["offset"]) ** 2

    outcome = ParameterOptimizer(objective, [X], fixed={"offset": 2.5}).run({"x": 0.0})
    assert seen["offset"] == 2.5
    assert outcome.best["x"] == pytest.approx(2.5, abs=1e-5)


def test_unphysical_region_in_the_first_step_does_not_fake_convergence():
    # L-BFGS-B's first step spans the unit box; for w0wa it lands where w0 + wa >= 0
    # (+inf). The fit must still move to the minimum, not report convergence at its start.
    import cosmofit

    likelihood = cosmofit.load_likelihood("desi_dr2,pantheon+", "w0wa")
    model = likelihood.model
    names = ("Om0", "w0", "wa", "H0")
    fixed = {k: v for k, v in model.defaults.items() if k not in names}
    opt = ParameterOptimizer(likelihood.chi2, [model.spec(n) for n in names], fixed)
    outcome = opt.run(model.defaults)
    assert outcome.chi2 < outcome.chi2_start - 10.0
    assert outcome.best["w0"] > -0.95 and outcome.best["wa"] < 0.0
    # Nothing better within reach: a second run from the optimum stays there.
    again = ParameterOptimizer(likelihood.chi2, [model.spec(n) for n in names], fixed)
    assert again.run({**fixed, **outcome.best}).chi2 == pytest.approx(outcome.chi2, abs=1e-4)


def test_infinite_everywhere_raises_with_reason():
    with pytest.raises(OptimizationError, match="no start converged"):
        ParameterOptimizer(lambda p: math.inf, [X]).run({"x": 0.0})


def test_bad_requests():
    with pytest.raises(UsageError, match="unknown optimizer method"):
        ParameterOptimizer(quadratic, [X], method="BFGS-ish")
    with pytest.raises(UsageError, match="at least 1"):
        ParameterOptimizer(quadratic, [X], starts=0)
    with pytest.raises(UsageError, match="nothing to optimize"):
        ParameterOptimizer(quadratic, [])


def test_multistart_is_reproducible_from_the_seed():
    a = ParameterOptimizer(quadratic, [X, Y], starts=3, seed=11).start_points({"x": 0, "y": 0})
    b = ParameterOptimizer(quadratic, [X, Y], starts=3, seed=11).start_points({"x": 0, "y": 0})
    np.testing.assert_array_equal(np.array(a), np.array(b))
