"""Convergence diagnostics against processes whose answers are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from cosmofit.fitting import diagnostics


def ar1(rng, rho: float, steps: int, walkers: int, dim: int) -> np.ndarray:
    """An AR(1) process per walker: tau = (1 + rho) / (1 - rho)."""
    x = np.zeros((steps, walkers, dim))
    noise = rng.standard_normal((steps, walkers, dim)) * np.sqrt(1 - rho**2)
    x[0] = rng.standard_normal((walkers, dim))
    for t in range(1, steps):
        x[t] = rho * x[t - 1] + noise[t]
    return x


def test_autocorrelation_time_of_ar1():
    rng = np.random.default_rng(1)
    walks = ar1(rng, 0.8, 4000, 16, 2)
    assert diagnostics.autocorr_time(walks) == pytest.approx([9.0, 9.0], rel=0.15)


def test_gelman_rubin_small_for_agreeing_chains_large_for_shifted_ones():
    rng = np.random.default_rng(2)
    same = [rng.standard_normal((5000, 2)) for _ in range(4)]
    r = diagnostics.gelman_rubin(same)
    assert np.all(r < 0.005)  # about 1/5000 for independent draws
    shifted = [s + [i * 0.5, 0.0] for i, s in enumerate(same)]
    r = diagnostics.gelman_rubin(shifted)
    assert r[0] > 0.1 and r[1] < 0.005


def test_burn_in_drops_the_transient_and_at_most_half():
    rng = np.random.default_rng(3)
    walks = ar1(rng, 0.5, 400, 8, 1)
    walks[:20] += 50.0  # a start far from the typical set
    burn = diagnostics.burn_in_steps([walks, walks.copy()])
    assert 3 <= burn <= 200
    assert diagnostics.burn_in_steps([walks[:3]]) == 0


def test_ess_counts_independent_samples():
    ess = diagnostics.effective_sample_size(1000, 10, 4, np.array([10.0, 40.0]))
    assert ess.tolist() == [4000.0, 1000.0]
