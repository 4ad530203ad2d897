"""Where tasks run: in this process, on a local Dask cluster, or on an existing one.

Every backend yields results as tasks finish. The Dask backend keeps at most
one task per worker thread in flight: a worker that dies then takes only the
task it was running with it, so the scheduler's count of workers killed by a
task (``allowed-failures``) points at the culprit and never at bystanders, and
Ctrl-C has little to cancel. A task that kills every worker it touches comes
back as a failed result (Dask's ``KilledWorker``); the others complete.

Remote clusters: cosmofit must be installed at the same version on the
scheduler (which unpickles the tasks) and on every worker; this is checked on
connection for the workers present then.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from cosmofit.compute.blas import single_threaded_blas
from cosmofit.compute.tasks import Task, TaskResult, failed_result, run_task
from cosmofit.errors import CosmofitError, OptimizationError, UsageError

logger = logging.getLogger(__name__)

#: Background activity of a local cluster that costs CPU and, in the workers, the GIL
#: that tasks need: one task per worker leaves nothing to steal, and nobody reads the
#: statistical profiles of the tasks.
_QUIET_CLUSTER = {
    "distributed.scheduler.work-stealing": False,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
}

#: Loggers of Dask that report worker deaths and shutdown chatter we report ourselves.
_DASK_LOGGERS = ("distributed", "tornado")

#: Seconds a run waits for a worker when the cluster has none ([compute] worker_timeout).
WORKER_TIMEOUT_S = 300.0
#: How often a waiting run checks for finished tasks and live workers.
_POLL_S = 0.05

#: Times a task whose finished result was lost with its worker is run again.
_RESUBMIT_LOST = 3

#: Address schemes a Dask client can reach from another process.
DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


class Backend(Protocol):
    description: str

    def execute(self, tasks: Sequence[Task]) -> Iterator[TaskResult]: ...

    def close(self, *, quiet: bool = False) -> None: ...


class InProcessBackend:
    """Runs tasks one after the other in this process, BLAS pinned to one thread."""

    description = "this process"

    def execute(self, tasks: Sequence[Task]) -> Iterator[TaskResult]:
        with single_threaded_blas():
            for task in tasks:
                yield run_task(task)

    def close(self, *, quiet: bool = False) -> None:
        """Nothing to release."""


def _cosmofit_version() -> str:
    from cosmofit._version import __version__

    return __version__


class DaskBackend:
    """Tasks on a Dask cluster: a ``LocalCluster`` it started, or one it connected to."""

    def __init__(
        self,
        client: Any,
        *,
        cluster: Any = None,
        scratch: Path | None = None,
        worker_timeout: float = WORKER_TIMEOUT_S,
    ):
        self.client = client
        self.cluster = cluster
        self.scratch = scratch
        self.worker_timeout = worker_timeout
        self._in_flight: dict[Any, Task] = {}
        workers = len(client.scheduler_info().get("workers", {}))
        where = "local cluster" if cluster is not None else f"cluster at {client.scheduler.address}"
        self.description = f"{where} ({workers} workers)"

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def local(
        cls, workers: int, *, scratch_parent: Path | None, allowed_failures: int
    ) -> DaskBackend:
        """Start a LocalCluster of ``workers`` single-threaded worker processes.

        Its scratch space lives in ``scratch_parent/dask-scratch`` (a temporary
        directory without one) and is removed when the cluster closes.
        """
        import dask
        from distributed import Client, LocalCluster

        if scratch_parent is None:
            scratch = Path(tempfile.mkdtemp(prefix="cosmofit-dask-"))
        else:
            scratch = Path(scratch_parent) / "dask-scratch"
            scratch.mkdir(parents=True, exist_ok=True)
        settings = {
            "distributed.scheduler.allowed-failures": allowed_failures,
            "distributed.scheduler.worker-saturation": 1.0,
            **_QUIET_CLUSTER,
        }
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                local_directory=str(scratch),
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
                preload=["cosmofit.compute.local_worker"],
            )
            client = Client(cluster)
        return cls(client, cluster=cluster, scratch=scratch)

    @classmethod
    def connect(cls, address: str, *, worker_timeout: float = WORKER_TIMEOUT_S) -> DaskBackend:
        """Use the running cluster whose scheduler listens at ``address``."""
        from distributed import Client

        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise UsageError(
                f"cannot reach a Dask scheduler at {address} ({error}); start one with "
                "`dask scheduler`, or use --scheduler local"
            ) from None
        backend = cls(client, worker_timeout=worker_timeout)
        backend.check_workers()
        return backend

    def check_workers(self) -> None:
        """Every worker present must import this very version of cosmofit."""
        mine = _cosmofit_version()
        try:
            versions = self.client.run(_cosmofit_version)
        except ImportError as error:
            self.close(quiet=True)
            raise UsageError(
                f"a Dask worker cannot import cosmofit ({error}); install cosmofit {mine} "
                "on the scheduler and every worker"
            ) from None
        wrong = {addr: v for addr, v in versions.items() if v != mine}
        if wrong:
            self.close(quiet=True)
            addr, version = next(iter(wrong.items()))
            raise UsageError(
                f"worker {addr} runs cosmofit {version}, this is {mine}; install the same "
                "version on the scheduler and every worker"
            )

    # -- running ---------------------------------------------------------------------------
    def _capacity(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def execute(self, tasks: Sequence[Task]) -> Iterator[TaskResult]:
        from distributed import as_completed

        waiting = deque(tasks)
        finished = as_completed()

        def top_up() -> None:
            capacity = self._capacity()
            while waiting and len(self._in_flight) < capacity:
                task = waiting.popleft()
                future = self.client.submit(run_task, task, pure=False, key=_dask_key())
                self._in_flight[future] = task
                finished.add(future)

        resubmitted: dict[str, int] = {}
        try:
            top_up()
            while not finished.is_empty():
                future = self._next_finished(finished)
                task = self._in_flight.pop(future)
                if future.status == "lost" and resubmitted.get(task.key, 0) < _RESUBMIT_LOST:
                    # Its result died with the worker holding it: tasks are deterministic,
                    # so running it again gives the same answer.
                    resubmitted[task.key] = resubmitted.get(task.key, 0) + 1
                    future.release()
                    waiting.appendleft(task)
                    top_up()
                    continue
                result = self._collect(future, task)
                future.release()
                yield result
                top_up()
        finally:
            self.cancel()

    def _next_finished(self, finished: Any) -> Any:
        """The next finished future; an error once the cluster had no worker for
        ``worker_timeout`` seconds (a run would otherwise wait silently forever)."""
        idle_since: float | None = None
        while not finished.has_ready():
            if self._worker_count() > 0:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self.worker_timeout:
                raise OptimizationError(
                    f"no Dask worker was alive at {self.client.scheduler.address} for "
                    f"{self.worker_timeout:g} s, so {len(self._in_flight)} tasks could not run; "
                    "start workers (`dask worker ADDRESS`) and rerun with --resume, or raise "
                    "[compute] worker_timeout"
                )
            time.sleep(_POLL_S)
        return next(finished)

    def _worker_count(self) -> int:
        """Workers the scheduler knows of (the client's view, refreshed every few seconds)."""
        return len(self.client.scheduler_info().get("workers", {}))

    def _collect(self, future: Any, task: Task) -> TaskResult:
        from distributed.scheduler import KilledWorker

        if future.status == "finished":
            return future.result()
        if future.status == "error":
            error = future.exception()
            if isinstance(error, KilledWorker):
                return failed_result(
                    task, "every worker that ran this task died (Dask KilledWorker)"
                )
            if isinstance(error, CosmofitError):
                return failed_result(task, str(error))
            raise error
        raise OptimizationError(
            f"the cluster dropped task {task.key} ({future.status}); rerun with --resume"
        )

    def cancel(self) -> None:
        """Cancel whatever is still in flight (after an error or an interrupt)."""
        if self._in_flight:
            futures = list(self._in_flight)
            self._in_flight.clear()
            self.client.cancel(futures)

    def close(self, *, quiet: bool = False) -> None:
        """Close the client and, if we started it, the cluster; ``quiet`` mutes Dask's logs."""
        if quiet:
            for name in _DASK_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self.cancel()
            self.client.close(timeout=10)
            if self.cluster is not None:
                self.cluster.close(timeout=10)
        except (OSError, TimeoutError, RuntimeError) as error:
            # The processes are ours and go away with us; a slow goodbye is no failure.
            logger.debug("closing the Dask cluster: %s", error)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _dask_key() -> str:
    import uuid

    return f"cosmofit-task-{uuid.uuid4().hex}"
