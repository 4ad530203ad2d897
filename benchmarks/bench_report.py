"""Wall time of report generation for lcdm and pbuf, matplotlib import included.

Run: python benchmarks/bench_report.py [--repeat N] [--threads T]
Target: under 3 s for the HTML report of both models.

A temporary store first gets one real cmb+bao+sn optimization per model.
Then, each in a fresh process (so imports are paid every time):
  * in-process: ``generate_report(store, html=True)`` timed inside Python;
  * end to end: ``cosmofit report --html`` and ``cosmofit report`` timed from outside.
BLAS threads are limited to T (default 1, as in the other benchmarks): on a
shared machine an oversubscribed multi-threaded Cholesky of the 1590x1590
supernova covariance can take longer than everything else together.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import baseline_matvec_ms  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

IN_PROCESS = """
import time
start = time.perf_counter()
from cosmofit.report.generate import generate_report
from cosmofit.store.store import OptimizedParameterStore
generate_report(OptimizedParameterStore(read_only=True), html=True)
print(time.perf_counter() - start)
"""


def cosmofit_command() -> list[str]:
    exe = shutil.which("cosmofit")
    return [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def describe(label: str, samples: list[float]) -> None:
    print(
        f"{label:<44} median {statistics.median(samples):6.3f} s"
        f"  (min {min(samples):.3f}, max {max(samples):.3f}, n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: no limit)")
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if args.threads > 0:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.threads)
    with tempfile.TemporaryDirectory() as store:
        env["COSMOFIT_STORE"] = store
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        for model in ("lcdm", "pbuf"):
            subprocess.run(
                [*cosmofit_command(), "optimize", "cmb,bao,sn", "--model", model],
                env=env,
                check=True,
                capture_output=True,
            )
        inside = []
        for _ in range(args.repeat):
            result = subprocess.run(
                [sys.executable, "-c", IN_PROCESS], env=env, check=True, capture_output=True
            )
            inside.append(float(result.stdout.decode().strip().splitlines()[-1]))
        describe("in-process generate_report(html=True)", inside)
        for command in (["report", "--html"], ["report"]):
            samples = [timed([*cosmofit_command(), *command], env) for _ in range(args.repeat)]
            describe(f"cosmofit {' '.join(command)}", samples)
        size = (Path(store) / "reports" / "cosmofit_report.html").stat().st_size
        print(f"report size: {size / 1024:.0f} KiB")
        print(f"baseline again: {baseline_matvec_ms():.3f} ms")


if __name__ == "__main__":
    main()
