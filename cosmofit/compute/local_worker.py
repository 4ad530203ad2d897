"""Preload of the worker processes of a local cluster (``LocalCluster(preload=[...])``).

Ctrl-C in a terminal sends SIGINT to the whole process group, local workers
included. The cosmofit process cancels the tasks and closes the cluster
itself, so its workers ignore SIGINT instead of dying mid-task with a
traceback each. Not meant for workers of a shared cluster, which should keep
answering their own Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from cosmofit.compute.blas import pin_process_blas


def dask_setup(worker: Any) -> None:
    """Called by Dask in each new worker process, in its main thread."""
    pin_process_blas()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
