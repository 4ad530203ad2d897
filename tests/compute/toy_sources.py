"""Test-only objective sources: a slow Gaussian, and one that kills its worker process.

Importable by local-cluster workers because pytest puts this directory on
``sys.path`` and spawned workers inherit it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cosmofit.compute.objectives import GaussianSource

SIGMAS = (0.1, 0.2, 0.05)
CORRELATION = ((1.0, 0.6, -0.3), (0.6, 1.0, 0.2), (-0.3, 0.2, 1.0))
MEAN = (0.5, -0.3, 1.0)
#: Best fit and marginal sigma of x.
MU_SIGMA = (MEAN[0], SIGMAS[0])


def gaussian_3d() -> GaussianSource:
    """A correlated 3-D Gaussian: x has marginal sigma 0.1 around 0.5."""
    cov = np.asarray(CORRELATION) * np.outer(SIGMAS, SIGMAS)
    return GaussianSource(
        ("x", "y", "z"),
        MEAN,
        tuple(tuple(float(v) for v in row) for row in cov),
        ((-1.0, 2.0), (-2.0, 2.0), (0.0, 2.0)),
    )


class _Wrapped:
    """Delegates to a Gaussian objective, with a side effect before each evaluation."""

    def __init__(self, inner, before):
        self.inner = inner
        self.before = before

    def chi2(self, params: Mapping[str, float]) -> float:
        self.before(params)
        return self.inner.chi2(params)

    def evaluate(self, params: Mapping[str, float]):
        self.before(params)
        return self.inner.evaluate(params)

    def chi2_batch(self, points: Sequence[Mapping[str, float]]) -> np.ndarray:
        for p in points:
            self.before(p)
        return self.inner.chi2_batch(points)


@dataclass(frozen=True)
class SlowGaussian:
    """The 3-D Gaussian, sleeping ``delay`` seconds per evaluation (tasks last long enough
    for a test to kill a worker in the middle of one)."""

    delay: float = 0.001
    base: GaussianSource = field(default_factory=gaussian_3d)

    @property
    def label(self) -> str:
        return "slow " + self.base.label

    def specs(self):
        return self.base.specs()

    def build(self):
        return _Wrapped(self.base.build(), lambda params: time.sleep(self.delay))


@dataclass(frozen=True)
class WorkerKiller:
    """The 3-D Gaussian, except that any process other than the test's own SIGKILLs itself
    as soon as x equals ``kill_at`` (a task that kills every worker it touches)."""

    kill_at: float
    test_pid: int = field(default_factory=os.getpid)
    base: GaussianSource = field(default_factory=gaussian_3d)

    @property
    def label(self) -> str:
        return "killer " + self.base.label

    def specs(self):
        return self.base.specs()

    def build(self):
        def maybe_die(params: Mapping[str, float]) -> None:
            if params["x"] == self.kill_at and os.getpid() != self.test_pid:
                os.kill(os.getpid(), signal.SIGKILL)

        return _Wrapped(self.base.build(), maybe_die)


def gaussian_request(source=None, *, grid=(0.2, 0.8, 13), starts=2, sweeps=2):
    """Profile x of the 3-D Gaussian (or of a wrapped copy) on ``grid`` = (lo, hi, n)."""
    from cosmofit.fitting.profile import ProfileRequest

    low, high, n = grid
    return ProfileRequest(
        source=source or gaussian_3d(),
        param="x",
        grid=[float(v) for v in np.linspace(low, high, n)],
        optimize=["y", "z"],
        start={"x": 0.0, "y": 0.0, "z": 0.5},
        starts=starts,
        sweeps=sweeps,
    )


#: The JSON keys every profile result must carry (a stable interface for scripts).
PROFILE_KEYS = {
    "param",
    "grid",
    "chi2",
    "delta_chi2",
    "best",
    "interval_1sigma",
    "interval_2sigma",
    "hessian_sigma",
    "failed",
    "wall_s",
}
