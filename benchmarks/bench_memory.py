"""Resident memory of the loaded joint likelihood (planck18_priors + desi_dr2 + pantheon+).

Run: python benchmarks/bench_memory.py [--baseline-src DIR]

Each configuration loads in a fresh process: the resident set size (VmRSS)
is read after the imports, and again after ``load_likelihood`` once the
loader's dataset cache is cleared (what stays is what the likelihood keeps);
freed heap is returned to the OS (glibc ``malloc_trim``) before each reading.
The arrays the likelihood object holds are summed too. The compressed
supernova form keeps no 1590x1590 matrix; ``exact=True`` keeps the dense
Cholesky factor (20 MB). ``--baseline-src DIR`` measures an earlier source tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

JOINT = "planck18_priors,desi_dr2,pantheon+"

_MEASURE = r"""
import gc, json, sys
if sys.argv[1]:  # an earlier source tree: bypass an editable install's import hook
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
import numpy as np
import cosmofit
from cosmofit.data.loader import clear_cache

def rss_mb():
    try:  # hand freed heap back to the OS first, so RSS counts live memory only
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0

def array_mb(obj, seen):
    if id(obj) in seen:
        return 0.0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes / 2**20
    if isinstance(obj, (list, tuple)):
        return sum(array_mb(o, seen) for o in obj)
    if isinstance(obj, dict):
        return sum(array_mb(o, seen) for o in obj.values())
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("cosmofit"):
        return sum(array_mb(o, seen) for o in vars(obj).values())
    return 0.0

options = json.loads(sys.argv[2])
gc.collect()
before = rss_mb()
likelihood = cosmofit.load_likelihood(*sys.argv[3:], **options)
likelihood.chi2({})
clear_cache()
gc.collect()
after = rss_mb()
print(json.dumps({"before": before, "after": after, "arrays": array_mb(likelihood, set())}))
"""


def measure(label: str, options: dict, source: str | None = None) -> None:
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = source
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, source or "", json.dumps(options), JOINT, "lcdm"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        check=True,
    )
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{label:<34} RSS {r['before']:7.1f} -> {r['after']:7.1f} MB "
        f"(+{r['after'] - r['before']:6.1f} MB); arrays held {r['arrays']:6.2f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-src", help="an earlier cosmofit source tree to measure too")
    args = parser.parse_args()
    measure("compressed (default)", {})
    measure("exact=True (dense SN form)", {"exact": True})
    if args.baseline_src:
        measure("earlier engine", {}, str(Path(args.baseline_src).resolve()))


if __name__ == "__main__":
    main()
