"""Wall time of the PBUF k_sat profile on cmb+bao+sn, in-process and on a local cluster.

Run: python benchmarks/bench_profile.py [--workers 2] [--grid 0.1:2:21] [--starts 4]
Target: ``--scheduler local --workers 2`` at least 1.6x faster than ``--scheduler none``
on a 2-core machine. Both runs compute the same tasks (global fit, 21 points x
4 starts, neighbour sweeps) and must give identical profiles; cluster start-up
is included in the local wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import baseline_matvec_ms, pinned_blas  # noqa: E402


def profile_once(scheduler: str, workers: int, grid: str, starts: int, out: Path):
    from cosmofit.compute.engine import ComputeOptions
    from cosmofit.fitting.profile import ProfileSettings, cosmology_request, run_profile

    settings = ProfileSettings(
        param="k_sat", datasets=["cmb", "bao", "sn"], model="pbuf", grid=grid, starts=starts
    )
    options = ComputeOptions(scheduler=scheduler, workers=workers, out_dir=out)
    start = time.perf_counter()
    result = run_profile(cosmology_request(settings), options)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--grid", default="0.1:2:21")
    parser.add_argument("--starts", type=int, default=4)
    args = parser.parse_args()

    with pinned_blas(1), tempfile.TemporaryDirectory() as tmp:
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        serial, t_serial = profile_once("none", 1, args.grid, args.starts, Path(tmp) / "none")
        print(f"none:                {t_serial:7.1f} s  ({serial.tasks} tasks)")
        local, t_local = profile_once(
            "local", args.workers, args.grid, args.starts, Path(tmp) / "local"
        )
        print(f"local --workers {args.workers}:  {t_local:7.1f} s  ({local.tasks} tasks)")
        print(f"speed-up: {t_serial / t_local:.2f}x")
        same = serial.chi2 == local.chi2 and serial.nuisance == local.nuisance
        print(f"identical profiles: {same}")
        low, high = local.interval_1sigma
        print(f"k_sat 1-sigma interval: [{low}, {high}], Hessian sigma: {local.hessian_sigma}")
        print(f"baseline again: {baseline_matvec_ms():.3f} ms")


if __name__ == "__main__":
    main()
