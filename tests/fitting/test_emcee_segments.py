"""emcee segments: a correlated Gaussian posterior is recovered, and segments are exact."""

from __future__ import annotations

import numpy as np
import pytest

from cosmofit.compute.objectives import GaussianSource
from cosmofit.fitting.priors import Prior, PriorSet
from cosmofit.fitting.samplers.emcee import SegmentTask, initial_state, run_segment

MEAN = (0.4, 2.0)
COV = ((0.01**2, 0.6 * 0.01 * 0.2), (0.6 * 0.01 * 0.2, 0.2**2))
SOURCE = GaussianSource(("a", "b"), MEAN, COV, ((0.0, 1.0), (-5.0, 10.0)))
PRIORS = PriorSet((Prior("a", 0.0, 1.0), Prior("b", -5.0, 10.0)))


def task(state, steps, key="chain1/segment1"):
    return SegmentTask(key=key, source=SOURCE, priors=PRIORS, fixed=(), state=state, steps=steps)


def start(seed=0, walkers=12):
    rng = np.random.default_rng(seed)
    coords = np.array(MEAN) + rng.standard_normal((walkers, 2)) * [0.005, 0.1]
    return initial_state(coords, [seed, 0, 1])


def test_two_segments_equal_one_long_segment_bit_for_bit():
    whole = run_segment(task(start(), 60))
    first = run_segment(task(start(), 30))
    second = run_segment(task(first.state, 30, key="chain1/segment2"))
    joined = np.concatenate([first.coords, second.coords])
    assert np.array_equal(joined, whole.coords)
    assert np.array_equal(np.concatenate([first.log_post, second.log_post]), whole.log_post)
    assert np.array_equal(np.concatenate([first.chi2, second.chi2]), whole.chi2)
    assert second.state == whole.state


def test_blobs_are_the_chi2_of_each_position_and_log_post_adds_the_prior():
    result = run_segment(task(start(1), 20))
    flat = result.coords.reshape(-1, 2)
    d = flat - MEAN
    chi2 = np.einsum("ki,ij,kj->k", d, np.linalg.inv(COV), d)
    assert result.datasets == ["gaussian"]
    assert result.chi2.reshape(-1) == pytest.approx(chi2, rel=1e-12)
    log_prior = -np.log(1.0) - np.log(15.0)
    assert result.log_post.reshape(-1) == pytest.approx(log_prior - 0.5 * chi2, rel=1e-12)


def test_a_correlated_gaussian_posterior_is_recovered():
    state, coords = start(2, walkers=16), []
    for k in range(6):
        result = run_segment(task(state, 100, key=f"chain1/segment{k + 1}"))
        coords.append(result.coords)
        state = result.state
    samples = np.concatenate(coords)[100:].reshape(-1, 2)  # drop a burn-in
    assert samples.mean(axis=0) == pytest.approx(MEAN, abs=0.1 * np.sqrt(np.diag(COV)).max())
    sigma = samples.std(axis=0)
    assert sigma == pytest.approx(np.sqrt(np.diag(COV)), rel=0.1)
    assert np.corrcoef(samples.T)[0, 1] == pytest.approx(0.6, abs=0.08)
    assert 0.2 < result.accepted / (100 * 16) < 0.9
