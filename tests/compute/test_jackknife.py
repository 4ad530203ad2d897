"""Jackknife: marginal likelihoods of left-out points, shifts in sigma, flags above 2 sigma."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cosmofit
from cosmofit.compute.engine import ComputeOptions
from cosmofit.compute.objectives import CosmologySource
from cosmofit.errors import UsageError
from cosmofit.fitting.jackknife import (
    JackknifeSettings,
    MarginalLikelihood,
    PointLeftOut,
    run_jackknife,
)

BAO = dict(
    datasets=["bao"], model="lcdm", by="point", optimize=["H0", "Om0"], overrides={"Obh2": 0.02218}
)


def test_a_left_out_point_leaves_the_marginal_gaussian():
    likelihood = cosmofit.load_likelihood("bao", "lcdm")
    bao = likelihood.components[0]
    params = {**likelihood.model.defaults, "Om0": 0.3, "H0": 68.0}
    bg, _ = likelihood.background(params)
    residual = bao.values - bao.theory(bg)
    keep = [j for j in range(bao.n_data) if j != 4]
    cov = np.asarray(bao.data.cov)[np.ix_(keep, keep)]
    expected = residual[keep] @ np.linalg.solve(cov, residual[keep])
    marginal = MarginalLikelihood(bao, keep)
    assert marginal.n_data == bao.n_data - 1
    assert marginal.chi2(bg) == pytest.approx(expected, rel=1e-10)
    assert marginal.chi2_batch([bg, None])[0] == pytest.approx(expected, rel=1e-10)
    assert math.isinf(marginal.chi2_batch([bg, None])[1])
    source = PointLeftOut(CosmologySource(("desi_dr2",), "lcdm"), "desi_dr2", 4)
    assert source.build().chi2(params) == pytest.approx(expected, rel=1e-10)


def test_shifts_are_in_units_of_the_combined_sigma_and_flagged_above_two():
    plain = run_jackknife(JackknifeSettings(**BAO), ComputeOptions(scheduler="none"))
    assert len(plain.leave_outs) == 13 and plain.flagged == []
    assert all(row.n_data == 12 and row.status == "ok" for row in plain.leave_outs)
    row = plain.leave_outs[1]
    for name in ("H0", "Om0"):
        combined = math.hypot(plain.errors[name], row.errors[name])
        expected = (row.params[name] - plain.full_fit[name]) / combined
        assert row.shifts[name] == pytest.approx(expected, rel=1e-12)
        assert row.errors[name] >= plain.errors[name] * 0.99  # one point fewer: no tighter
    # Shrinking every covariance 100 times keeps the best fits and shrinks the sigmas by
    # 10: the same shifts, 10 times larger, now cross 2 sigma.
    tight = run_jackknife(
        JackknifeSettings(**BAO, cov_scale=0.01), ComputeOptions(scheduler="none")
    )
    for a, b in zip(plain.leave_outs, tight.leave_outs, strict=True):
        for name in ("H0", "Om0"):
            assert b.shifts[name] == pytest.approx(a.shifts[name] * 10, abs=2e-3)
    assert tight.flagged
    for row in tight.leave_outs:
        assert row.flagged == [n for n in ("H0", "Om0") if abs(row.shifts[n]) > 2]


def test_by_dataset_needs_two_datasets_and_sn_points_are_not_left_out():
    with pytest.raises(UsageError, match="at least two"):
        run_jackknife(
            JackknifeSettings(datasets=["bao"], by="dataset"), ComputeOptions(scheduler="none")
        )
    with pytest.raises(UsageError, match="no CMB or BAO points"):
        run_jackknife(
            JackknifeSettings(datasets=["sn"], by="point"), ComputeOptions(scheduler="none")
        )


def test_a_leave_out_that_loses_the_absolute_scale_is_marked_not_given_sigma():
    """Leaving the CMB out of cmb+bao: H0 and Obh2 slide along the BAO valley (H0 -> 128,
    Obh2 on its bound). That refit's shifts are marked, never hundreds of sigma."""
    result = run_jackknife(
        JackknifeSettings(datasets=["cmb", "bao"], model="lcdm", by="dataset"),
        ComputeOptions(scheduler="none"),
    )
    without_cmb = next(row for row in result.leave_outs if row.dataset == "planck18_priors")
    assert {"H0", "Obh2"} <= set(without_cmb.bounds_hit) | set(without_cmb.unconstrained)
    assert without_cmb.shifts["H0"] is None and without_cmb.shifts["Obh2"] is None
    assert without_cmb.shifts["Om0"] is not None and abs(without_cmb.shifts["Om0"]) < 5
    assert all(v is None or abs(v) < 10 for row in result.leave_outs for v in row.shifts.values())
    assert any("marked, not converted into sigma" in w for w in result.warnings)
