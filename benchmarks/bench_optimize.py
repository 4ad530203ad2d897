"""End-to-end wall time of optimizations, start-up included.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_optimize.py \
        [--repeat N] [--baseline-src DIR]
Targets: `cosmofit optimize cmb,bao,sn --model lcdm --dry-run` median <= 0.6 s,
the README's first command (pbuf on cmb,bao,sn) <= 1.0 s of optimization wall
time (``wall_s`` of its --json output), `cosmofit --help` under 0.4 s.
Each command runs in a fresh process with BLAS pinned to one thread; the CPU
time (user + system) of the process is shown too, being less sensitive than
wall time to other load on a shared machine. ``--baseline-src DIR`` runs the
same commands with an earlier cosmofit source tree, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    ["optimize", "cmb", "--model", "lcdm", "--dry-run"],
    ["optimize", "cmb,bao,sn", "--model", "lcdm", "--dry-run"],
    ["optimize", "cmb,bao,sn", "--model", "pbuf", "--dry-run"],  # the README's first command
]


def cosmofit_command() -> list[str]:
    exe = shutil.which("cosmofit")
    return [exe] if exe else [sys.executable, "-m", "cosmofit.cli"]


# Runs an earlier source tree's CLI (an editable install's import hook is bypassed).
_EARLIER_CLI = (
    "import sys; sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()];"
    "import cosmofit; assert cosmofit.__file__.startswith(sys.argv[1]), cosmofit.__file__;"
    "del sys.argv[1]; from cosmofit.cli import main; main()"
)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_commands(prefix: list[str], env: dict, repeat: int, label: str) -> None:
    for command in COMMANDS:
        walls, cpus, optimization = [], [], []
        for _ in range(repeat):
            json_flag = ["--json"] if command[0] == "optimize" else []
            cpu0, start = children_cpu(), time.perf_counter()
            done = subprocess.run(
                [*prefix, *command, *json_flag],
                env=env,
                check=True,
                capture_output=True,
                cwd=tempfile.gettempdir(),
            )
            walls.append(time.perf_counter() - start)
            cpus.append(children_cpu() - cpu0)
            if json_flag:
                result = json.loads(done.stdout)
                result = result[0] if isinstance(result, list) else result
                optimization.append(result["wall_s"])
        line = (
            f"{label} {' '.join(command):<44} wall {statistics.median(walls):6.3f} s"
            f"  cpu {statistics.median(cpus):6.3f} s"
        )
        if optimization:
            line += f"  optimization {statistics.median(optimization):6.3f} s"
        print(line + f"  (n={repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-src", help="an earlier cosmofit source tree to time too")
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    with pinned_blas(1), tempfile.TemporaryDirectory() as store:
        env["COSMOFIT_STORE"] = store
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        time_commands(cosmofit_command(), env, args.repeat, "this   ")
        if args.baseline_src:
            source = str(Path(args.baseline_src).resolve())
            earlier = [sys.executable, "-c", _EARLIER_CLI, source]
            time_commands(earlier, dict(env, PYTHONPATH=source), args.repeat, "earlier")
        print(f"baseline again: {baseline_matvec_ms():.3f} ms")


if __name__ == "__main__":
    main()
