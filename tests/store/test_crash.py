"""Writers killed with SIGKILL at random instants never leave an unreadable store."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from store_helpers import make_record

from cosmofit.store import OptimizedParameterStore
from cosmofit.store.schema import ModelDocument, verify

TRIALS = 50


def _write_forever(root: str, trial: int) -> None:
    """Child process body: update the store in a tight loop until killed."""
    store = OptimizedParameterStore(root, lock_timeout=10.0)
    i = 0
    while True:
        values = {"H0": 60.0 + (trial * 997 + i) % 400 / 10.0, "Om0": 0.25 + i % 10 / 100.0}
        store.update_model_defaults(make_record(f"t{trial}-{i}", values=values))
        i += 1


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_store_survives_random_sigkill(root: Path) -> None:
    # fork, not spawn: a trial then costs milliseconds instead of an interpreter start.
    context = multiprocessing.get_context("fork")
    rng = random.Random(20260105)
    OptimizedParameterStore(root).update_model_defaults(make_record("seed"))
    logged = 1  # history entries so far: a kill may add one or none, never remove one
    for trial in range(TRIALS):
        child = context.Process(target=_write_forever, args=(str(root), trial))
        child.start()
        # Early kills hit the first update; later ones land anywhere in the loop.
        child.join(rng.uniform(0.0, 0.06))
        assert child.is_alive(), f"writer of trial {trial} died on its own"
        os.kill(child.pid, signal.SIGKILL)
        child.join()

        store = OptimizedParameterStore(root)
        entries = store.get_model_defaults("lcdm")
        history = store.get_optimization_history("lcdm")
        run_ids = {record.run_id for record in history}
        assert len(history) >= logged, f"trial {trial}: the history lost entries"
        logged = len(history)
        doc = ModelDocument.from_text((root / "lcdm.json").read_text())
        assert verify(doc), f"trial {trial}: model document fails its checksum"
        assert doc.last_run_id in run_ids, f"trial {trial}: document names an unlogged run"
        assert entries["H0"].value == doc.parameters["H0"].value
        assert all("incomplete last line" in w for w in store.warnings), store.warnings
        assert not any("corrupt" in p for p in store.check("lcdm")), trial

    # The next successful writer tidies what killed writers left behind.
    final = OptimizedParameterStore(root)
    final.update_model_defaults(make_record("tidy"))
    assert list(root.glob(".*.tmp")) == list((root / "backups").glob(".*.tmp")) == []
    ids = [record.run_id for record in final.get_optimization_history("lcdm")]
    assert len(ids) == logged + 1 and ids[0] == "seed" and ids[-1] == "tidy"
    assert final.check("lcdm") == []
    assert final.warnings == []
