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

SN_DATASETS = ("pantheon+", "union3")
POINTS_PER_CASE = 1000
#: points drawn per case; corners with curvature or heavy neutrinos are often unphysical
BOX_POINTS = 1250
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


def test_compressed_form_does_not_keep_the_dense_covariance():
    compressed = cosmofit.load_likelihood("pantheon+", "lcdm").components[0]
    dense = cosmofit.load_likelihood("pantheon+", "lcdm", exact=True).components[0]
    assert compressed.data is None and not hasattr(compressed, "covariance")
    assert dense.covariance.size == 1590
    assert math.isfinite(dense.chi2(cosmofit.background("lcdm")))
