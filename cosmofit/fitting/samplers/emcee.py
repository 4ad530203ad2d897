"""emcee's affine-invariant ensemble, run in segments that are tasks of the compute engine.

A :class:`SegmentTask` advances one chain (an ensemble of walkers) by a fixed
number of steps from an exact state: walker positions, their log posterior and
chi^2 per dataset, and the state of the chain's Mersenne-Twister generator.
The task is a pure function of those fields (BLAS pinned to one thread), so a
worker that dies mid-segment is replaced by another that computes the same
numbers, and a resumed run continues bit-for-bit where it stopped. emcee is
called with ``vectorize=True``: each ensemble half-step is one ``evaluate_batch``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from cosmofit.compute.objectives import ObjectiveSource
from cosmofit.fitting.priors import PriorSet


@dataclass(frozen=True)
class ChainState:
    """Where a chain stands between segments (plain, JSON-able data)."""

    coords: tuple[tuple[float, ...], ...]
    log_post: tuple[float, ...] | None
    chi2: tuple[tuple[float, ...], ...] | None
    random_state: tuple[Any, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "coords": [list(r) for r in self.coords],
            "log_post": list(self.log_post) if self.log_post is not None else None,
            "chi2": [list(r) for r in self.chi2] if self.chi2 is not None else None,
            "random_state": list(self.random_state),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChainState:
        return cls(
            coords=tuple(tuple(r) for r in data["coords"]),
            log_post=tuple(data["log_post"]) if data["log_post"] is not None else None,
            chi2=tuple(tuple(r) for r in data["chi2"]) if data["chi2"] is not None else None,
            random_state=tuple(data["random_state"]),
        )


def initial_state(coords: np.ndarray, seed_words: list[int]) -> ChainState:
    """A chain's first state: walker positions and a generator seeded from ``seed_words``."""
    seed = int(np.random.SeedSequence(seed_words).generate_state(1)[0])
    return ChainState(
        coords=tuple(tuple(float(x) for x in row) for row in coords),
        log_post=None,
        chi2=None,
        random_state=_rng_state_json(np.random.RandomState(seed).get_state()),
    )


def _rng_state_json(state: tuple) -> tuple[Any, ...]:
    name, keys, pos, has_gauss, cached = state
    return (str(name), [int(k) for k in keys], int(pos), int(has_gauss), float(cached))


def _rng_state_numpy(state: tuple[Any, ...]) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached)


@dataclass
class SegmentResult:
    """The steps a segment took: positions, log posterior, chi^2 per dataset, derived values."""

    key: str
    digest: str
    coords: np.ndarray  # steps x walkers x params
    log_post: np.ndarray  # steps x walkers
    chi2: np.ndarray  # steps x walkers x datasets
    derived: np.ndarray  # steps x walkers x derived
    datasets: list[str]
    derived_names: list[str]
    state: ChainState
    accepted: int
    evaluations: int
    wall_s: float
    worker: str = ""
    ok: bool = True
    message: str = ""


@dataclass(frozen=True)
class SegmentTask:
    """Advance chain ``chain`` by ``steps`` ensemble steps from ``state``."""

    key: str
    source: ObjectiveSource
    priors: PriorSet
    fixed: tuple[tuple[str, float], ...]
    state: ChainState = field(compare=False)
    steps: int = 50

    @cached_property
    def digest(self) -> str:
        text = json.dumps(
            [
                self.key,
                repr(self.source),
                repr(self.priors),
                [(k, repr(v)) for k, v in self.fixed],
                self.state.as_json(),
                self.steps,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def run(self) -> SegmentResult:
        return run_segment(self)


def run_segment(task: SegmentTask) -> SegmentResult:
    """Run one segment here (in a worker or in this process)."""
    import os
    import socket

    import emcee

    from cosmofit.compute.blas import pin_process_blas
    from cosmofit.fitting.samplers.posterior import Posterior

    pin_process_blas()
    t0 = time.perf_counter()
    posterior = Posterior(task.source, task.priors, dict(task.fixed))
    evaluations = 0

    def log_prob(coords: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += len(coords)
        log_post, _, chi2 = posterior.evaluate(coords)
        return np.column_stack([log_post, chi2])

    coords = np.array(task.state.coords, dtype=float)
    walkers, ndim = coords.shape
    sampler = emcee.EnsembleSampler(walkers, ndim, log_prob, vectorize=True)
    # emcee's wrapper prints a traceback for any exception, Ctrl-C included; ours are
    # typed errors the command reports in one line, so call the function directly.
    sampler.log_prob_fn = log_prob
    start = emcee.State(
        coords,
        log_prob=None if task.state.log_post is None else np.array(task.state.log_post),
        blobs=None if task.state.chi2 is None else _as_emcee_blobs(task.state.chi2),
        random_state=_rng_state_numpy(task.state.random_state),
    )
    final = sampler.run_mcmc(start, task.steps, skip_initial_state_check=True, progress=False)
    chain = sampler.get_chain()
    blobs = np.asarray(sampler.get_blobs(), dtype=float).reshape(task.steps, walkers, -1)
    datasets = list(posterior.datasets or [])
    derived_names, derived = _derived(posterior, chain)
    final_chi2 = np.asarray(final.blobs, dtype=float).reshape(walkers, -1)
    return SegmentResult(
        key=task.key,
        digest=task.digest,
        coords=chain,
        log_post=sampler.get_log_prob(),
        chi2=blobs,
        derived=derived,
        datasets=datasets,
        derived_names=derived_names,
        state=ChainState(
            coords=tuple(tuple(float(x) for x in r) for r in final.coords),
            log_post=tuple(float(x) for x in final.log_prob),
            chi2=tuple(tuple(float(x) for x in r) for r in final_chi2),
            random_state=_rng_state_json(final.random_state),
        ),
        accepted=int(np.sum(sampler.backend.accepted)),
        evaluations=evaluations,
        wall_s=time.perf_counter() - t0,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )


def _as_emcee_blobs(chi2: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """emcee squeezes a single blob column away; pass the blobs back in its shape."""
    blobs = np.array(chi2, dtype=float)
    return blobs[:, 0] if blobs.shape[1] == 1 else blobs


def _derived(posterior, chain: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Derived values at every position of ``chain``, computed once per distinct position."""
    steps, walkers, _ = chain.shape
    names = posterior.priors.names
    cache: dict[bytes, dict[str, float]] = {}
    rows = []
    for row in chain.reshape(-1, chain.shape[2]):
        key = row.tobytes()
        if key not in cache:
            cache[key] = posterior.derived(dict(zip(names, map(float, row), strict=True)))
        rows.append(cache[key])
    derived_names = list(rows[0]) if rows else []
    values = np.array([[r.get(n, np.nan) for n in derived_names] for r in rows], dtype=float)
    return derived_names, values.reshape(steps, walkers, len(derived_names))
