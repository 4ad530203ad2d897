"""Median time of one chi^2 call per dataset and for the cmb+bao+sn joint likelihood.

Run: python benchmarks/bench_chi2.py [--threads N]
Target: joint (Planck priors + DESI DR2 + Pantheon+ 1590 SNe, full covariance)
under 1.0 ms median on a 2-core machine; the extended models (w0wa with
non-trivial w0, wa; lcdm with a 0.06 eV neutrino; curved w0wa with neutrinos)
within 1.5x of plain lcdm, timed interleaved with it in the same run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import baseline_matvec_ms, median_seconds, pinned_blas  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()

    import cosmofit

    cases = [
        ("planck18_priors", "lcdm"),
        ("desi_dr2", "lcdm"),
        ("desi_dr1", "lcdm"),
        ("sdss_dr12", "lcdm"),
        ("union3", "lcdm"),
        ("pantheon+", "lcdm"),
        ("cmb,bao,sn", "lcdm"),
        ("cmb,bao,sn", "pbuf"),
    ]
    with pinned_blas(args.threads):
        baseline = baseline_matvec_ms()
        print(f"baseline 1590x1590 mat-vec: {baseline:.3f} ms (median)")
        print(f"{'datasets':<18}{'model':<7}{'median ms':>10}{'/ baseline':>12}")
        for datasets, model in cases:
            likelihood = cosmofit.load_likelihood(datasets, model)
            params = likelihood.model.defaults
            ms = 1e3 * median_seconds(
                lambda lk=likelihood, p=params: lk.chi2(p), repeat=args.repeat
            )
            print(f"{datasets:<18}{model:<7}{ms:>10.3f}{ms / baseline:>12.2f}")
        extensions_vs_lcdm(args.repeat)
        baseline = baseline_matvec_ms()
        print(f"baseline again: {baseline:.3f} ms")


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
