"""Sampling speed: likelihood throughput, emcee's own overhead, and runs to convergence.

Run (BLAS pinned to one thread, the machine's own kernel):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_sample.py [--full]

Prints, with the 1590x1590 mat-vec baseline timed in the same run:

* samples per second per core of one emcee segment on lcdm cmb,bao,sn (chi^2 per
  dataset and derived values included), next to emcee's raw overhead: the same
  segment on a trivial Gaussian log-probability, which costs emcee's bookkeeping
  only;
* ``--full``: wall time of ``cosmofit sample cmb,bao,sn --until-converged`` on a
  local cluster of 2 workers (target R-1 < 0.01) and of a nested run of lcdm
  on bao,sn (ln Z and its error).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import baseline_matvec_ms, pinned_blas

from cosmofit.compute.objectives import CosmologySource, GaussianSource
from cosmofit.fitting.priors import Prior, PriorSet, build_priors
from cosmofit.fitting.samplers.emcee import SegmentTask, initial_state, run_segment
from cosmofit.models.registry import get_model

WALKERS, STEPS, REPEAT = 16, 20, 5
FIXED = (("Neff", 3.046), ("Tcmb", 2.7255), ("ns", 0.9649))
CENTER, SPREAD = np.array([68.6, 0.3035, 0.0225]), np.array([0.3, 0.004, 0.00012])


def segment_rate(source, priors, fixed, center, spread) -> tuple[float, float]:
    """(samples/s, evaluations/s) of one segment, median of REPEAT."""
    rng = np.random.default_rng(0)
    state = initial_state(center + spread * rng.standard_normal((WALKERS, center.size)), [0, 0, 1])
    times, evaluations = [], 0
    for k in range(REPEAT + 1):
        t0 = time.perf_counter()
        result = run_segment(SegmentTask(f"b{k}", source, priors, fixed, state, STEPS))
        if k:  # the first builds the likelihood
            times.append(time.perf_counter() - t0)
            evaluations = result.evaluations
    wall = statistics.median(times)
    return WALKERS * STEPS / wall, evaluations / wall


def cli_run(*args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cosmofit.cli", *args], capture_output=True, text=True
    )
    return time.perf_counter() - t0, proc.stdout if proc.returncode == 0 else proc.stderr


def main() -> None:
    with pinned_blas(1):
        print(f"baseline mat-vec 1590x1590: {baseline_matvec_ms():.3f} ms (median)")
        model = get_model("lcdm")
        source = CosmologySource(("planck18_priors", "desi_dr2", "pantheon+"), "lcdm")
        priors = build_priors(model, ["H0", "Om0", "Obh2"])
        cosmo, cosmo_evals = segment_rate(source, priors, FIXED, CENTER, SPREAD)
        gauss_source = GaussianSource(
            ("a", "b", "c"),
            tuple(CENTER),
            tuple(map(tuple, np.diag(SPREAD**2))),
            ((20.0, 150.0), (0.01, 0.99), (0.005, 0.1)),
        )
        gauss_priors = PriorSet(
            tuple(
                Prior(n, lo, hi)
                for n, (lo, hi) in zip(
                    ("a", "b", "c"), ((20.0, 150.0), (0.01, 0.99), (0.005, 0.1)), strict=True
                )
            )
        )
        raw, _ = segment_rate(gauss_source, gauss_priors, (), CENTER, SPREAD)
        print(
            f"emcee segment, lcdm cmb,bao,sn: {cosmo:8.0f} samples/s/core "
            f"({cosmo_evals:.0f} likelihood evaluations/s, derived values included)"
        )
        print(
            f"emcee segment, trivial Gaussian: {raw:8.0f} samples/s/core (emcee's raw overhead: "
            f"{1e6 / raw:.0f} us per sample, {100 * cosmo / raw:.1f}% of the time of a cosmology "
            "sample)"
        )
    if "--full" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            wall, out = cli_run(
                "sample",
                "cmb,bao,sn",
                "--params",
                "H0,Om0,Obh2",
                "--until-converged",
                "--scheduler",
                "local",
                "--workers",
                "2",
                "--seed",
                "1",
                "--out",
                str(Path(tmp) / "mcmc"),
                "--store",
                str(Path(tmp) / "store"),
            )
            print(f"lcdm cmb,bao,sn to convergence, 2 workers: {wall:.1f} s wall")
            print("\n".join(line for line in out.splitlines() if "converged" in line))
            wall, out = cli_run(
                "sample",
                "bao,sn",
                "--params",
                "H0,Om0,Obh2",
                "--sampler",
                "nested",
                "--prior",
                "H0=50:90",
                "--prior",
                "Om0=0.1:0.5",
                "--prior",
                "Obh2=0.015:0.03",
                "--out",
                str(Path(tmp) / "nested"),
                "--store",
                str(Path(tmp) / "store"),
            )
            print(f"nested lcdm bao,sn: {wall:.1f} s wall")
            print("\n".join(line for line in out.splitlines() if "ln Z" in line))


if __name__ == "__main__":
    main()
