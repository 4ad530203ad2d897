"""End-to-end wall time of optimizations, start-up included.

Run: python benchmarks/bench_optimize.py [--repeat N]
Targets: `cosmofit optimize cmb --model lcdm --dry-run` under 1.5 s, a joint
cmb+bao+sn PBUF optimization under 10 s, `cosmofit --help` under 0.4 s.
Each command runs in a fresh process with BLAS pinned to one thread.
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

from _common import baseline_matvec_ms, pinned_blas  # noqa: E402

COMMANDS = [
    ["--help"],
    ["--version"],
    ["optimize", "cmb", "--model", "lcdm", "--dry-run"],
    ["optimize", "cmb", "--model", "pbuf", "--dry-run"],
    ["optimize", "cmb,bao,sn", "--model", "lcdm", "--dry-run"],
    ["optimize", "cmb,bao,sn", "--model", "pbuf", "--dry-run"],
]


def cosmofit_command() -> list[str]:
    exe = shutil.which("cosmofit")
    return [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    with pinned_blas(1), tempfile.TemporaryDirectory() as store:
        env["COSMOFIT_STORE"] = store
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        for command in COMMANDS:
            samples = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                subprocess.run(
                    [*cosmofit_command(), *command], env=env, check=True, capture_output=True
                )
                samples.append(time.perf_counter() - start)
            print(
                f"cosmofit {' '.join(command):<48} median {statistics.median(samples):6.3f} s"
                f"  (min {min(samples):.3f}, max {max(samples):.3f}, n={args.repeat})"
            )
        print(f"baseline again: {baseline_matvec_ms():.3f} ms")


if __name__ == "__main__":
    main()
