"""One task = one local optimization from one start point; its result is plain data.

A task is a pure function of its fields: the same task gives the same result
in any process (BLAS is pinned to one thread), which is what lets a cluster
recompute the tasks of a lost worker and lets ``--resume`` trust a journaled
result whose :attr:`Task.digest` matches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from cosmofit.compute.blas import pin_process_blas
from cosmofit.compute.objectives import ObjectiveSource, objective_for
from cosmofit.errors import CosmofitError


@dataclass(frozen=True)
class Task:
    """Minimise the objective of ``source`` over ``names`` from ``u0``, the rest ``fixed``."""

    key: str
    source: ObjectiveSource
    names: tuple[str, ...]
    fixed: Mapping[str, float]
    u0: tuple[float, ...]
    method: str = "L-BFGS-B"
    tolerance: float = 1e-10
    max_iterations: int = 5000
    options: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def digest(self) -> str:
        """Fingerprint of everything that determines the result (floats exactly, via repr)."""
        text = json.dumps(
            [
                self.key,
                repr(self.source),
                list(self.names),
                sorted((k, repr(float(v))) for k, v in self.fixed.items()),
                [repr(float(x)) for x in self.u0],
                self.method,
                repr(self.tolerance),
                self.max_iterations,
                sorted((k, repr(v)) for k, v in self.options.items()),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:20]


class TaskResult(BaseModel):
    """What one task produced; one line of ``results.jsonl``. Non-finite chi2 is null."""

    key: str
    digest: str
    status: Literal["ok", "failed"]
    chi2: float | None = None
    by_dataset: dict[str, float | None] = Field(default_factory=dict)
    params: dict[str, float] = Field(default_factory=dict)
    start: dict[str, float] = Field(default_factory=dict)
    nfev: int = 0
    nit: int = 0
    message: str = ""
    wall_s: float = 0.0
    worker: str = ""
    resumed: bool = Field(default=False, exclude=True)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def failed_result(task: Task, reason: str, *, worker: str = "") -> TaskResult:
    """The record of a task that produced no usable minimum."""
    return TaskResult(
        key=task.key, digest=task.digest, status="failed", message=reason, worker=worker
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run_task(task: Task) -> TaskResult:
    """Run one task here (in a worker or in the calling process).

    A task of another method (e.g. an MCMC segment) brings its own ``run()``; the
    engine only needs its ``key`` and ``digest``.
    """
    own = getattr(task, "run", None)
    if own is not None:
        return own()
    from cosmofit.fitting.optimizer import ParameterOptimizer

    pin_process_blas()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    objective = objective_for(task.source)
    specs = {spec.name: spec for spec in task.source.specs()}
    optimizer = ParameterOptimizer(
        objective.chi2,
        [specs[name] for name in task.names],
        task.fixed,
        method=task.method,
        tolerance=task.tolerance,
        max_iterations=task.max_iterations,
        options=task.options,
    )
    try:
        outcome = optimizer.minimise_from(np.asarray(task.u0, dtype=float))
        evaluation = objective.evaluate({**task.fixed, **outcome.final})
    except CosmofitError as error:  # e.g. a theory prediction that is unphysical
        return failed_result(task, str(error), worker=worker)
    ok = outcome.success and evaluation.physical
    message = outcome.message if evaluation.physical else str(evaluation.reason)
    return TaskResult(
        key=task.key,
        digest=task.digest,
        status="ok" if ok else "failed",
        chi2=_finite(outcome.chi2),
        by_dataset={name: _finite(v) for name, v in evaluation.by_dataset.items()},
        params=outcome.final,
        start=outcome.start,
        nfev=outcome.nfev,
        nit=outcome.nit,
        message=message,
        wall_s=time.perf_counter() - t0,
        worker=worker,
    )
