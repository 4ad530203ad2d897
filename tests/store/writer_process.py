"""Entry point for store writers run as separate processes by the concurrency tests.

``python writer_process.py update ROOT MODEL WORKER COUNT`` performs COUNT
updates with run ids ``MODEL-wWORKER-I``; ``hold-lock ROOT MODEL`` takes the
model's lock, prints ``locked`` and keeps it until its stdin is closed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from store_helpers import make_record

from cosmofit.store.atomic import model_lock
from cosmofit.store.store import OptimizedParameterStore


def update(root: str, model: str, worker: int, count: int) -> None:
    store = OptimizedParameterStore(root, lock_timeout=60.0)
    for i in range(count):
        values = {"H0": 50.0 + worker + i / 100.0, "Om0": 0.2 + worker / 100.0}
        store.update_model_defaults(
            make_record(f"{model}-w{worker}-{i}", model=model, values=values)
        )


def hold_lock(root: str, model: str) -> None:
    Path(root).mkdir(parents=True, exist_ok=True)
    with model_lock(root, model, timeout=10.0):
        print("locked", flush=True)
        sys.stdin.readline()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "update":
        update(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "hold-lock":
        hold_lock(args[0], args[1])
    else:
        raise SystemExit(f"unknown command {command!r}")
