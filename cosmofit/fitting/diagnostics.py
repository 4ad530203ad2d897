"""Convergence of MCMC chains: Gelman-Rubin R-1, autocorrelation time, ESS and burn-in.

* R-1 (per parameter) is the variance of the chain means over the mean of the
  within-chain variances, as GetDist reports it: it measures how well the
  *means* agree between independent chains, and is about 1/ESS per chain.
* The integrated autocorrelation time tau (in steps) of an ensemble chain is
  emcee's estimate from the walker-averaged autocorrelation function.
* ESS = kept steps x walkers / tau, summed over chains.
* Burn-in: the first ``BURN_IN_TAUS`` x tau steps (at most half the chain) are
  dropped; tau is measured on the second half of the chains, which the start
  has forgotten.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Steps dropped as burn-in, in units of the autocorrelation time.
BURN_IN_TAUS = 3.0
#: Below this many steps per autocorrelation time tau itself is unreliable.
TAU_RELIABLE = 50.0


def autocorr_time(walks: np.ndarray) -> np.ndarray:
    """tau per parameter of an ensemble chain of shape (steps, walkers, params)."""
    from emcee.autocorr import integrated_time

    if walks.shape[0] < 4:
        return np.full(walks.shape[2], np.nan)
    return np.asarray(integrated_time(walks, tol=0, quiet=True), dtype=float)


def ensemble_tau(chains: Sequence[np.ndarray]) -> np.ndarray:
    """tau per parameter, the mean over chains (each steps x walkers x params)."""
    return np.mean([autocorr_time(c) for c in chains], axis=0)


def burn_in_steps(chains: Sequence[np.ndarray]) -> int:
    """Steps to drop at the start of every chain: a few tau, at most half of it."""
    steps = min(c.shape[0] for c in chains)
    half = steps // 2
    if half < 2:
        return 0
    tau = ensemble_tau([c[half:] for c in chains])
    worst = float(np.nanmax(tau)) if np.isfinite(tau).any() else float(half)
    return int(min(half, math.ceil(BURN_IN_TAUS * worst)))


def gelman_rubin(samples: Sequence[np.ndarray]) -> np.ndarray:
    """R-1 per parameter from flat samples (rows x params) of independent chains."""
    if len(samples) < 2 or min(len(s) for s in samples) < 2:
        return np.full(samples[0].shape[1] if samples else 0, np.nan)
    means = np.array([s.mean(axis=0) for s in samples])
    within = np.array([s.var(axis=0, ddof=1) for s in samples]).mean(axis=0)
    between = means.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(within > 0, between / within, np.nan)


def effective_sample_size(kept_steps: int, walkers: int, chains: int, tau: np.ndarray):
    """ESS per parameter of ``chains`` ensemble chains of ``kept_steps`` x ``walkers``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return chains * kept_steps * walkers / np.maximum(tau, 1.0)
