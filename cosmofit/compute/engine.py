"""The engine: choose where tasks run, skip the journaled ones, record the rest as they end.

``--scheduler`` takes

* ``none``  - run in this process (BLAS pinned to one thread);
* ``local`` - start a ``LocalCluster`` of ``--workers`` single-threaded worker
  processes, scratch space inside the output directory;
* ``auto``  - ``$DASK_SCHEDULER_ADDRESS`` when set, else ``none`` for at most
  :data:`AUTO_IN_PROCESS_MAX` tasks and ``local`` above;
* an address such as ``tcp://host:8786`` - an existing cluster, whose scheduler
  and workers must all have this version of cosmofit installed.

The backend starts on the first task that is not already in the journal, so a
fully journaled run never starts a cluster. Ctrl-C cancels the tasks in flight,
closes the cluster quietly and raises :class:`RunInterrupted`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict, Field

from cosmofit.compute.backends import (
    DASK_SCHEMES,
    WORKER_TIMEOUT_S,
    Backend,
    DaskBackend,
    InProcessBackend,
)
from cosmofit.compute.journal import Journal
from cosmofit.compute.tasks import Task, TaskResult
from cosmofit.errors import CosmofitError, UsageError
from cosmofit.limits import MAX_WORKERS

#: ``auto`` runs in-process up to this many tasks: a cluster's start-up would cost more.
AUTO_IN_PROCESS_MAX = 4
#: A task may see this many of its workers die before it is recorded as failed.
ALLOWED_FAILURES = 2
ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"
_ADDRESS = re.compile(rf"^({'|'.join(DASK_SCHEMES)})://\S+$")


class ComputeOptions(BaseModel):
    """Where and how tasks run (the ``--scheduler/--workers/--out/--resume`` flags)."""

    model_config = ConfigDict(extra="forbid")

    scheduler: str = "auto"
    workers: int | None = Field(default=None, ge=1, le=MAX_WORKERS)
    out_dir: Path | None = None
    resume: bool = False
    allowed_failures: int = Field(default=ALLOWED_FAILURES, ge=0)
    worker_timeout: float = Field(default=WORKER_TIMEOUT_S, gt=0, allow_inf_nan=False)


class RunInterrupted(CosmofitError):
    """Ctrl-C: the tasks in flight were cancelled; finished ones are in the journal."""

    exit_code = 130

    def __init__(self, message: str, *, out_dir: Path | None):
        super().__init__(message)
        self.out_dir = out_dir


def resolve_scheduler(choice: str, n_tasks: int) -> str:
    """``none``, ``local`` or a scheduler address, for a run of ``n_tasks`` tasks."""
    choice = choice.strip()
    if choice == "auto":
        address = os.environ.get(ADDRESS_ENV, "").strip()
        if address:
            return resolve_scheduler(address, n_tasks)
        return "none" if n_tasks <= AUTO_IN_PROCESS_MAX else "local"
    if choice in ("none", "local") or _ADDRESS.match(choice):
        return choice
    raise UsageError(
        f"--scheduler {choice!r}: use auto, none, local or an address like tcp://host:8786"
        f" (schemes: {', '.join(DASK_SCHEMES)})"
    )


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on every platform
        return os.cpu_count() or 1


class Engine:
    """Runs batches of tasks; use it as a context manager so the cluster is always closed."""

    def __init__(self, options: ComputeOptions, *, planned_tasks: int):
        self.options = options
        self.scheduler = resolve_scheduler(options.scheduler, planned_tasks)
        self.workers = options.workers or default_workers()
        self.journal = (
            Journal(options.out_dir, resume=options.resume) if options.out_dir is not None else None
        )
        self._backend: Backend | None = None
        self.computed = 0
        self.resumed = 0

    @property
    def description(self) -> str:
        if self._backend is not None:
            return self._backend.description
        return {"none": "this process", "local": f"local cluster ({self.workers} workers)"}.get(
            self.scheduler, f"cluster at {self.scheduler}"
        )

    def _open(self) -> Backend:
        if self._backend is None:
            if self.scheduler == "none":
                self._backend = InProcessBackend()
            elif self.scheduler == "local":
                self._backend = DaskBackend.local(
                    self.workers,
                    scratch_parent=self.options.out_dir,
                    allowed_failures=self.options.allowed_failures,
                )
            else:
                self._backend = DaskBackend.connect(
                    self.scheduler, worker_timeout=self.options.worker_timeout
                )
        return self._backend

    def stream(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        """Results of ``tasks``: journaled ones first, then the others as they finish."""
        pending = []
        for task in tasks:
            recorded = self.journal.lookup(task) if self.journal is not None else None
            if recorded is None:
                pending.append(task)
            else:
                self.resumed += 1
                yield recorded
        if not pending:
            return
        for result in self._open().execute(pending):
            if self.journal is not None:
                self.journal.append(result)
            self.computed += 1
            yield result

    def run(
        self,
        tasks: Iterable[Task],
        on_result: Callable[[TaskResult], None] | None = None,
    ) -> dict[str, TaskResult]:
        """All results of ``tasks`` by key, calling ``on_result`` as each arrives."""
        results = {}
        for result in self.stream(tasks):
            results[result.key] = result
            if on_result is not None:
                on_result(result)
        return results

    def close(self, *, quiet: bool = False) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            backend.close(quiet=quiet)
        if self.journal is not None:
            self.journal.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
        self.close(quiet=exc_type is not None)
        if interrupted:
            where = self.options.out_dir
            recorded = f"; {self.computed} new results are in {where}" if where else ""
            raise RunInterrupted(f"interrupted{recorded}", out_dir=where) from None
