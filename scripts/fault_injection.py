"""Fail every write of ``cosmofit optimize`` in turn and check what the user is told.

For each system call in ``--syscalls`` and each error in ``--errors``, the
command is run once per invocation of that call, with ``strace`` making the
N-th invocation fail (``-e inject=write:error=ENOSPC:when=N``). Every run
starts from a copy of the same store (one earlier run already stored). A run
passes when

* its stderr holds no Python traceback, and
* its exit code matches the store: 0 exactly when the new run is both the
  document's last run and the last history record; non-zero exactly when the
  document and the history are byte-for-byte what they were before.

Usage (Linux with strace)::

    python scripts/fault_injection.py --json fault-injection.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COMMAND = ["optimize", "cmb", "--model", "lcdm", "--json"]


def cosmofit() -> list[str]:
    exe = shutil.which("cosmofit")
    return [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]


def run(args: list[str], env: dict[str, str], strace: list[str] | None = None):
    prefix = ["strace", "-f", "-o", os.devnull, *strace] if strace else []
    return subprocess.run(
        [*prefix, *cosmofit(), *args], env=env, capture_output=True, text=True, timeout=300
    )


def store_state(root: Path) -> dict:
    document = root / "lcdm.json"
    history = root / "lcdm.history.jsonl"
    doc_text = document.read_text() if document.exists() else ""
    hist_text = history.read_text() if history.exists() else ""
    records = []
    for line in hist_text.splitlines():
        try:
            records.append(json.loads(line)["run_id"])
        except (ValueError, KeyError):
            records.append(None)
    last_run = json.loads(doc_text).get("last_run_id") if doc_text.strip() else None
    return {"document": doc_text, "history": hist_text, "records": records, "last_run": last_run}


def count_calls(syscall: str, env: dict[str, str]) -> int:
    """How often one clean run makes ``syscall`` (strace -c summary, all processes)."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as summary:
        prefix = ["strace", "-f", "-c", "-o", summary.name, "-e", f"trace={syscall}"]
        proc = subprocess.run(
            [*prefix, *cosmofit(), *COMMAND], env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr
        for line in Path(summary.name).read_text().splitlines():
            fields = line.split()
            if fields and fields[-1] == syscall:
                return int(fields[3])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syscalls", default="write,fsync,rename")
    parser.add_argument("--errors", default="ENOSPC,EIO")
    parser.add_argument("--json", type=Path, help="write every run's outcome here")
    options = parser.parse_args()
    if shutil.which("strace") is None:
        print("strace is not installed", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="cosmofit-faults-"))
    template = work / "template"
    env = dict(os.environ, COSMOFIT_STORE=str(template), XDG_CONFIG_HOME=str(work / "cfg"))
    env.pop("COSMOFIT_DEBUG", None)
    first = run(COMMAND, env)
    assert first.returncode == 0, first.stderr

    outcomes = []
    for syscall in options.syscalls.split(","):
        calls = count_calls(syscall, env)
        for error in options.errors.split(","):
            for when in range(1, calls + 1):
                store = work / "store"
                shutil.rmtree(store, ignore_errors=True)
                shutil.copytree(template, store)
                before = store_state(store)
                trial_env = dict(env, COSMOFIT_STORE=str(store))
                inject = ["-e", f"inject={syscall}:error={error}:when={when}"]
                proc = run(COMMAND, trial_env, ["-e", f"trace={syscall}", *inject])
                after = store_state(store)
                new = [r for r in after["records"] if r not in before["records"]]
                stored = (
                    len(new) == 1 and after["records"][-1] == new[0] and after["last_run"] == new[0]
                )
                unchanged = (
                    after["document"] == before["document"]
                    and after["history"] == before["history"]
                )
                traceback = "Traceback" in proc.stderr
                matches = (proc.returncode == 0 and stored) or (proc.returncode != 0 and unchanged)
                outcomes.append(
                    {
                        "syscall": syscall,
                        "error": error,
                        "when": when,
                        "exit": proc.returncode,
                        "stored": stored,
                        "unchanged": unchanged,
                        "traceback": traceback,
                        "matches": matches,
                        "stderr": proc.stderr.strip().splitlines()[-1:] if proc.stderr else [],
                    }
                )
                if traceback or not matches:
                    print(json.dumps(outcomes[-1]), flush=True)
    shutil.rmtree(work, ignore_errors=True)

    total = len(outcomes)
    tracebacks = sum(o["traceback"] for o in outcomes)
    mismatches = sum(not o["matches"] for o in outcomes)
    exits: dict[int, int] = {}
    for o in outcomes:
        exits[o["exit"]] = exits.get(o["exit"], 0) + 1
    stored_ok = sum(o["exit"] == 0 and o["stored"] for o in outcomes)
    print(
        f"{total} injected faults: {tracebacks} tracebacks, {mismatches} exit codes that do not "
        f"match the store; exit codes {dict(sorted(exits.items()))}; {stored_ok} runs stored "
        "with exit 0"
    )
    if options.json:
        options.json.write_text(json.dumps(outcomes, indent=1))
    return 0 if tracebacks == 0 and mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
