"""Median time of one chi^2 call per dataset and for the joint likelihood, against references.

Run (BLAS pinned to one thread; unset the OpenBLAS kernel overrides for the run only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_chi2.py \
        [--baseline-src DIR] [--peer-python PATH]

Targets: joint (planck18_priors + desi_dr2 + pantheon+, lcdm) <= 0.10 ms and
>= 60x faster than CosmoFit 2.2's joint call; pbuf and wcdm within 1.3x of
lcdm; chi2_batch with K = 256 points <= 0.02 ms per point; Pantheon+ alone
<= 0.04 ms; union3 and the CMB priors no slower than the earlier engine; the
extended models (w0wa with non-trivial w0, wa; lcdm with a 0.06 eV neutrino;
curved w0wa with neutrinos) within 1.5x of plain lcdm, timed interleaved with it.
DES-Dovekie (1820 SNe) and joint fits with it and with the Gaussian priors
(compressed CMB, BBN, SH0ES) are timed beside Pantheon+ in the same run.

References timed in the same run, each in its own process while this one idles:
* ``exact=True``: the dense supernova form (the reference the compressed one is
  tested against), in this process;
* ``--baseline-src DIR``: an earlier cosmofit source tree (for example
  ``git archive <commit> cosmofit | tar -x -C DIR``), same cases;
* CosmoFit 2.2 (PyPI ``cosmofit==2.2.0``, whose import name clashes with
  ours, so it lives in its own venv): ``cosmofit.core.get_model(...).logposterior``
  with the Planck 2018 distance priors + DESI DR2 (``desi2025``) + Pantheon+.
  Skipped, with a message, when its venv is absent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import baseline_matvec_ms, median_seconds, pinned_blas  # noqa: E402

JOINT = "planck18_priors,desi_dr2,pantheon+"
CASES = [
    ("planck18_priors", "lcdm"),
    ("desi_dr2", "lcdm"),
    ("union3", "lcdm"),
    ("pantheon+", "lcdm"),
    (JOINT, "lcdm"),
    (JOINT, "wcdm"),
    (JOINT, "pbuf"),
]
#: Data added later (DES-Dovekie, Gaussian priors, the compressed PR4 CMB): ours only,
#: an earlier tree may not have them.
NEW_DATA_CASES = [
    ("des_dovekie", "lcdm"),
    ("planck_pr4_compressed", "lcdm"),
    ("bbn", "lcdm"),
    ("cmb,bao,des_dovekie", "lcdm"),
    ("planck_pr4_compressed,bao,des_dovekie", "lcdm"),
    ("cmb,bao,sn,sh0es", "pbuf"),
]
BATCH = 256
DEFAULT_PEER = "/work/venvs/peer-cosmofit22/bin/python"

# Times our cases with whatever ``cosmofit`` is first on sys.path (an earlier tree).
_OURS = r"""
import itertools, json, sys
sys.path.insert(0, sys.argv[1])
# an editable install's import hook would find this checkout's cosmofit first
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
from _common import median_seconds, pinned_blas
import cosmofit
assert cosmofit.__file__.startswith(sys.argv[4]), cosmofit.__file__
cases, repeat = json.loads(sys.argv[2]), int(sys.argv[3])
out = {}
with pinned_blas(1):
    for datasets, model in cases:
        likelihood = cosmofit.load_likelihood(datasets, model)
        points = itertools.cycle([dict(H0=66.0 + 0.001 * k) for k in range(64)])
        call = lambda: likelihood.chi2(next(points))
        out[datasets + "|" + model] = 1e3 * median_seconds(call, repeat=repeat)
print(json.dumps(out))
"""

# CosmoFit 2.2's joint call: Planck 2018 distance priors + DESI DR2 + Pantheon+.
_PEER = r"""
import json, sys, statistics, time
from threadpoolctl import threadpool_limits
from cosmofit.core import get_model
repeat = int(sys.argv[1])
info = {
    "theory": {"background": {}, "early_universe": {}},
    "likelihood": {
        "cmb.distance_priors": None,
        "bao.desi": {"version": "desi2025"},
        "sn.pantheonplus": None,
    },
    "params": {
        "H0": {"prior": {"min": 50, "max": 90}},
        "Omega_m": {"prior": {"min": 0.1, "max": 0.6}},
        "Omega_b": 0.049,
    },
}
with threadpool_limits(limits=1, user_api="blas"):
    model = get_model(info)
    samples = []
    for k in range(repeat + 5):
        start = time.perf_counter()
        model.logposterior({"H0": 66.0 + 0.001 * k, "Omega_m": 0.31})  # distinct: no cache hit
        samples.append(time.perf_counter() - start)
print(json.dumps({"joint_ms": 1e3 * statistics.median(samples[5:])}))
"""


def cycling(chi2, points: list[dict]):
    """A call of ``chi2`` at the next of ``points`` each time (distinct points, as in a sampler)."""
    upcoming = itertools.cycle(points)
    return lambda: chi2(next(upcoming))


def run_json(command: list[str], env: dict | None = None) -> dict | None:
    # cwd: a neutral directory, so that no ``cosmofit`` folder there shadows the one wanted
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir()
    )
    if done.returncode != 0:
        print(f"  reference failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_baseline(source: str, repeat: int) -> dict | None:
    env = dict(os.environ, PYTHONPATH=source)
    here = str(Path(__file__).parent)
    source = str(Path(source).resolve())
    return run_json(
        [sys.executable, "-c", _OURS, here, json.dumps(CASES), str(repeat), source], env
    )


def time_peer(python: str, repeat: int) -> float | None:
    if not Path(python).exists():
        print(
            f"CosmoFit 2.2 column skipped: no peer interpreter at {python} "
            "(python3 -m venv /work/venvs/peer-cosmofit22 && "
            "/work/venvs/peer-cosmofit22/bin/pip install cosmofit==2.2.0 threadpoolctl)"
        )
        return None
    result = run_json([python, "-c", _PEER, str(repeat)])
    return None if result is None else result["joint_ms"]


def breakdown(repeat: int) -> None:
    """Where the microseconds of one joint (lcdm) call go, stage by stage (medians)."""
    import cosmofit
    from cosmofit.physics.background import Background

    joint = cosmofit.load_likelihood(JOINT, "lcdm")
    cmb, bao, sn = joint.components
    full = joint.model.complete({})

    def fresh() -> Background:
        bg = Background(joint.model, full)
        bg.prepare(joint._plans)
        return bg

    stages = {
        "parameters checked, Background built": lambda: joint.background({}),
        "E(z) at all 228 late-time nodes (prepare)": fresh,
        "r_drag: 22 early nodes in s": lambda: Background(joint.model, full).r_drag,
    }
    ready = fresh()
    _ = ready.r_drag
    stages["CMB priors (recipe: 144 nodes) + chi2"] = lambda: cmb.chi2(ready)
    stages["BAO theory + chi2 (distances ready)"] = lambda: bao.chi2(ready)
    stages["SN compressed chi2 (distances ready)"] = lambda: sn.chi2(ready)
    stages["whole joint call"] = lambda: joint.chi2({})
    print("\nprofile of one joint (lcdm) call, median per stage:")
    for label, call in stages.items():
        print(f"  {label:<46}{1e3 * median_seconds(call, repeat=repeat):9.4f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--baseline-src", help="an earlier cosmofit source tree to time too")
    parser.add_argument("--peer-python", default=DEFAULT_PEER, help="CosmoFit 2.2's interpreter")
    parser.add_argument("--peer-repeat", type=int, default=100)
    parser.add_argument("--breakdown", action="store_true", help="profile one joint call")
    args = parser.parse_args()

    import cosmofit

    with pinned_blas(1):
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        ours = {}
        points = [dict(H0=66.0 + 0.001 * k) for k in range(64)]
        for datasets, model in CASES + NEW_DATA_CASES:
            likelihood = cosmofit.load_likelihood(datasets, model)
            ours[datasets, model] = 1e3 * median_seconds(
                cycling(likelihood.chi2, points), repeat=args.repeat
            )
        exact = cosmofit.load_likelihood(JOINT, "lcdm", exact=True)
        exact_ms = 1e3 * median_seconds(
            cycling(exact.chi2, points), repeat=max(100, args.repeat // 10)
        )
        joint = cosmofit.load_likelihood(JOINT, "lcdm")
        batch = [dict(H0=60.0 + 0.05 * k, Om0=0.28 + 0.0002 * k) for k in range(BATCH)]
        batch_ms = (
            1e3 * median_seconds(lambda: joint.chi2_batch(batch), repeat=50, warmup=3) / BATCH
        )
        baseline = time_baseline(args.baseline_src, args.repeat) if args.baseline_src else None
        peer_ms = time_peer(args.peer_python, args.peer_repeat)

    def show(label: str, ms: float, ref: float | None = None, ref_name: str = "") -> None:
        ratio = f"   {ref / ms:7.1f}x faster than {ref_name}" if ref else ""
        print(f"{label:<44}{ms:9.4f} ms{ratio}")

    print(f"\n{'case':<44}{'median':>12}")
    lcdm = ours[JOINT, "lcdm"]
    for (datasets, model), ms in ours.items():
        label = f"{'joint' if datasets == JOINT else datasets} ({model})"
        earlier = baseline.get(f"{datasets}|{model}") if baseline else None
        show(label, ms, earlier, "the earlier engine")
        if datasets == JOINT and model != "lcdm":
            print(f"{'':<44}{ms / lcdm:9.2f} x lcdm")
    show("joint (lcdm), exact=True (dense SN form)", exact_ms)
    print(f"{'':<44}{exact_ms / lcdm:9.1f} x the compressed form")
    show(f"joint (lcdm) chi2_batch K={BATCH}, per point", batch_ms)
    if peer_ms is not None:
        show("CosmoFit 2.2 joint logposterior", peer_ms)
        print(f"{'':<44}{peer_ms / lcdm:9.1f} x slower than cosmofit's joint (lcdm)")
    if baseline:
        earlier = baseline[f"{JOINT}|lcdm"]
        print(f"earlier engine joint (lcdm): {earlier:.4f} ms = {earlier / lcdm:.1f} x this one")
    if args.breakdown:
        with pinned_blas(1):
            breakdown(args.repeat)
    with pinned_blas(1):
        extensions_vs_lcdm(args.repeat)
    print(f"baseline again: {baseline_matvec_ms():.3f} ms")


#: (label, model, parameters beyond the defaults) timed against plain lcdm on cmb,bao,sn.
EXTENSIONS = (
    ("w0wa", "w0wa", {"w0": -0.84, "wa": -0.6}),
    ("lcdm+mnu", "lcdm", {"mnu": 0.06, "Neff": 3.044}),
    ("w0wa+mnu+Ok0", "w0wa", {"w0": -0.84, "wa": -0.6, "mnu": 0.06, "Ok0": 0.01}),
)


def extensions_vs_lcdm(repeat: int, rounds: int = 40) -> None:
    """Joint chi^2 of each extension over plain lcdm: the two alternate in ``rounds`` short
    rounds; the ratio is the median of the per-round ratios (load changes between rounds
    cancel), next to the fastest round of each (the least disturbed)."""
    import statistics

    import cosmofit

    lcdm = cosmofit.load_likelihood("cmb,bao,sn", "lcdm")
    base = lcdm.model.defaults
    per_round = max(repeat // rounds, 5)
    print(f"{'joint cmb,bao,sn':<18}{'median ms':>10}{'lcdm ms':>10}{'ratio':>8}{'best/best':>11}")
    for label, model, extra in EXTENSIONS:
        likelihood = cosmofit.load_likelihood("cmb,bao,sn", model)
        params = {**likelihood.model.defaults, **extra}
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(
                median_seconds(lambda lk=likelihood, p=params: lk.chi2(p), repeat=per_round)
            )
            theirs.append(median_seconds(lambda p=base: lcdm.chi2(p), repeat=per_round))
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        ms, ms_lcdm = 1e3 * statistics.median(ours), 1e3 * statistics.median(theirs)
        best = min(ours) / min(theirs)
        print(f"{label:<18}{ms:>10.3f}{ms_lcdm:>10.3f}{ratio:>8.2f}{best:>11.2f}")


if __name__ == "__main__":
    main()
