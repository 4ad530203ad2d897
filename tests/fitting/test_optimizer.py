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


def test_a_point_inside_the_difference_step_but_pulled_to_the_bound_is_at_the_bound():
    """Obh2 = 0.005008 from BAO alone: 8e-5 of the range from the bound, chi2 still falling."""

    def slope(p):
        return ((p["x"] + 6.0) / 2.0) ** 2 + (p["y"] - 1.0) ** 2  # x wants -6, bounded at -5

    opt = ParameterOptimizer(slope, [X, Y])
    u_best = np.array([8e-5, opt.space.to_unit({"x": 0, "y": 1.0})[1]])
    est = estimate_errors(opt.chi2_at, u_best, opt.space.specs, opt.space.from_unit(u_best))
    assert est.at_bound == ["x"]
    assert est.errors == {"y": pytest.approx(1.0, rel=1e-3)}  # conditional on x at its bound


def test_an_interior_minimum_near_a_bound_is_not_called_at_the_bound():
    def near(p):
        return ((p["x"] + 4.995) / 0.001) ** 2  # minimum 5e-4 of the range inside the bound

    opt = ParameterOptimizer(near, [X])
    outcome = opt.run({"x": -4.99})
    est = errors_of(opt, outcome)
    assert est.at_bound == [] and est.errors["x"] == pytest.approx(0.001, rel=1e-2)


def test_one_measurement_of_three_parameters_constrains_none_of_them():
    """A single BAO point against H0, Om0, Obh2: chi2 = 0 along a plane, no error is honest."""

    def one_point(p):
        return ((p["x"] + 0.7 * p["y"] - 0.5 * p["z"] - 1.0) / 0.05) ** 2

    opt = ParameterOptimizer(one_point, [X, Y, Z])
    outcome = opt.run({"x": 0.0, "y": 0.0, "z": 0.0})
    est = errors_of(opt, outcome)
    assert est.unconstrained == ["x", "y", "z"] and est.errors == {}
    assert est.rank == 1  # k of AIC/BIC: one constrained direction


def test_parameter_orthogonal_to_a_flat_valley_keeps_its_profile_error():
    """BAO alone: Om0 is measured (0.295 +- 0.015) while H0 and Obh2 slide along h r_d."""

    def valley(p):
        return ((p["x"] - 0.3) / 0.2) ** 2 + ((p["y"] - 2.0 * p["z"]) / 0.01) ** 2

    opt = ParameterOptimizer(valley, [X, Y, Z])
    outcome = opt.run({"x": 0.0, "y": 0.0, "z": 0.0})
    est = errors_of(opt, outcome)
    assert est.unconstrained == ["y", "z"]
    assert est.errors == {"x": pytest.approx(0.2, rel=1e-3)}
    assert est.rank == 2


def test_an_error_whose_one_sigma_valley_crosses_a_bound_is_not_quoted():
    def wide(p):
        return ((p["x"] - 4.6) / 0.8) ** 2 + ((p["y"] - 1.0) / 0.1) ** 2

    opt = ParameterOptimizer(wide, [X, Y])
    outcome = opt.run({"x": 0.0, "y": 0.0})
    est = errors_of(opt, outcome)
    assert est.at_bound == []
    assert "x" in est.unconfirmed and "bound" in est.unconfirmed["x"]
    assert "x" not in est.errors and est.errors["y"] == pytest.approx(0.1, rel=1e-3)


@pytest.mark.parametrize("method", ["Nelder-Mead", "L-BFGS-B", "Powell"])
def test_failure_advice_never_suggests_the_method_that_failed(method):
    with pytest.raises(OptimizationError) as error:
        ParameterOptimizer(lambda p: math.inf, [X], method=method, max_iterations=77).run(
            {"x": 0.0}
        )
    message = str(error.value)
    assert f"with {method}" in message and f"--method {method}" not in message
    assert "[optimization] max_iterations (now 77)" in message
