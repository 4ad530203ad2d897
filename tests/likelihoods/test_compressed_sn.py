"""The compressed supernova chi^2 equals the dense form to 1e-6 for every registered model.

The models come from the registry, so a model added later is covered without
touching this file. Points are drawn over each model's whole bound box, with
every parameter at one of its bounds a third of the time (extremes included).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cosmofit
from cosmofit.models.registry import Model, available_models, get_model
from cosmofit.physics.background import SHARED_IN_BATCH, Background

SN_DATASETS = ("pantheon+", "union3", "des_dovekie")
POINTS_PER_CASE = 1000
#: points drawn per case; corners with curvature or heavy neutrinos are often unphysical
#: (w0wa keeps only about 60% of its box), so draw enough for POINTS_PER_CASE finite ones
BOX_POINTS = 2000
TOLERANCE = 1e-6


def box_points(model: Model, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` points over the bound box: both all-bounds corners, then random points."""
    rng = np.random.default_rng(seed)
    free = [spec for spec in model.params if not spec.fixed_only]
    corners = [
        {**model.defaults, **{spec.name: spec.bounds[side] for spec in free}} for side in (0, 1)
    ]
    points = []
    for _ in range(n - len(corners)):
        point = model.defaults
        for spec in free:
            draw = rng.random()
            if draw < 1 / 6:
                point[spec.name] = spec.bounds[0]
            elif draw < 1 / 3:
                point[spec.name] = spec.bounds[1]
            else:
                point[spec.name] = spec.from_unit(rng.random())
        points.append(point)
    return corners + points


def worst_difference(dataset: str, model: str, n: int = BOX_POINTS) -> tuple[float, int]:
    """max |chi2_compressed - chi2_dense| over ``n`` box points, and how many were finite."""
    compressed = cosmofit.load_likelihood(dataset, model)
    dense = cosmofit.load_likelihood(dataset, model, exact=True)
    points = box_points(get_model(model), n, seed=sum(map(ord, dataset + model)))
    fast = compressed.chi2_batch(points)
    reference = dense.chi2_batch(points)
    finite = np.isfinite(reference)
    assert np.array_equal(np.isfinite(fast), finite)
    return float(np.max(np.abs(fast[finite] - reference[finite]), initial=0.0)), int(finite.sum())


@pytest.mark.parametrize("model", available_models())
@pytest.mark.parametrize("dataset", SN_DATASETS)
def test_compressed_sn_chi2_matches_dense_form_over_the_bound_box(dataset, model):
    worst, finite = worst_difference(dataset, model)
    assert finite >= POINTS_PER_CASE
    assert worst <= TOLERANCE, f"{dataset}/{model}: |delta chi2| = {worst:.3g}"


@pytest.mark.parametrize("dataset", SN_DATASETS)
def test_compressed_sn_profiled_magnitude_matches_dense_form(dataset):
    compressed = cosmofit.load_likelihood(dataset, "wcdm")
    dense = cosmofit.load_likelihood(dataset, "wcdm", exact=True)
    for point in box_points(get_model("wcdm"), 20, seed=3):
        if not math.isfinite(dense.chi2(point)):  # an unphysical corner has no M_best
            continue
        key = f"M_best[{dataset}]"
        assert compressed.derived(point)[key] == pytest.approx(dense.derived(point)[key], abs=1e-9)


#: pantheon+/wcdm where E^2 nearly vanishes at z ~ 0.5: the interpolant alone is off by 0.5
STEEP_WCDM = dict(H0=139.7, Om0=0.175, w=-3.0, Ok0=-0.3, mnu=0.0)


def test_compressed_form_does_not_keep_the_dense_covariance():
    compressed = cosmofit.load_likelihood("pantheon+", "lcdm").components[0]
    dense = cosmofit.load_likelihood("pantheon+", "lcdm", exact=True).components[0]
    assert compressed.data is None and not hasattr(compressed, "covariance")
    assert dense.covariance.size == 1590
    assert math.isfinite(dense.chi2(cosmofit.background("lcdm")))
    for point in ({}, {"H0": 73.0, "Om0": 0.33}, {"Om0": 0.25, "Ok0": 0.05, "mnu": 0.1}):
        assert math.isfinite(compressed.chi2(cosmofit.background("lcdm", **point)))
    assert compressed._dense is None  # ordinary points never build the dense form


def test_a_point_the_interpolant_cannot_follow_takes_the_dense_form():
    compressed = cosmofit.load_likelihood("pantheon+", "wcdm")
    dense = cosmofit.load_likelihood("pantheon+", "wcdm", exact=True)
    sn = compressed.components[0]
    f = sn._node_values(compressed.background(STEEP_WCDM)[0])
    alone = float(sn._compressed(f)[0])
    assert abs(alone - dense.chi2(STEEP_WCDM)) > 0.1  # what the check guards against
    assert sn._dense is None
    assert compressed.chi2(STEEP_WCDM) == dense.chi2(STEEP_WCDM)
    assert sn._dense is not None  # built on first need


def test_batched_points_in_doubt_take_the_dense_form_row_by_row():
    """mnu, Neff, Tcmb shared, so the points run as one batch; only rows in doubt are redone."""
    model = get_model("wcdm")
    drawn = [*box_points(model, 400, seed=11), STEEP_WCDM]
    compressed = cosmofit.load_likelihood("pantheon+", "wcdm")
    dense = cosmofit.load_likelihood("pantheon+", "wcdm", exact=True)
    sn = compressed.components[0]
    points = []
    for point in drawn:
        point = model.complete({k: v for k, v in point.items() if k not in SHARED_IN_BATCH})
        if compressed.background(point)[0] is not None:  # bounds and the model's own conditions
            points.append(point)
    whole = Background(model, {k: np.array([p[k] for p in points]) for k in model.param_names})
    with np.errstate(invalid="ignore", divide="ignore"):
        bg = whole.subset(np.arange(len(points)))
        rr, doubtful = sn._compressed(sn._node_values(bg))
        assert 0 < doubtful.sum() < len(points) // 4
        batched = sn.chi2_points(bg)
        reference = dense.components[0].chi2_points(bg)
    finite = np.isfinite(reference)
    assert np.array_equal(np.isfinite(batched), finite) and finite.sum() > 200
    assert np.max(np.abs(batched - reference)[finite]) <= TOLERANCE
    assert np.array_equal(batched[~doubtful], rr[~doubtful], equal_nan=True)  # the fast path
    redone = doubtful & finite  # the dense form's value, up to the rounding of its batched solve
    assert np.allclose(batched[redone], reference[redone], rtol=1e-11, atol=0)
    singles = compressed.chi2_batch(points)
    assert np.allclose(singles[finite], batched[finite], rtol=0, atol=TOLERANCE)
