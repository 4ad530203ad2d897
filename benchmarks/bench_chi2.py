"""Median time of one chi^2 call per dataset and for the cmb+bao+sn joint likelihood.

Run: python benchmarks/bench_chi2.py [--threads N]
Target: joint (Planck priors + DESI DR2 + Pantheon+ 1590 SNe, full covariance)
under 1.0 ms median on a 2-core machine. DES-Dovekie (1820 SNe) and the joint
fits with it and with the Gaussian priors (compressed CMB, BBN, SH0ES) are timed
beside Pantheon+ in the same run.
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
        ("des_dovekie", "lcdm"),
        ("planck_pr4_compressed", "lcdm"),
        ("bbn", "lcdm"),
        ("cmb,bao,sn", "lcdm"),
        ("cmb,bao,sn", "pbuf"),
        ("cmb,bao,des_dovekie", "lcdm"),
        ("planck_pr4_compressed,bao,des_dovekie", "lcdm"),
        ("cmb,bao,sn,sh0es", "pbuf"),
    ]
    with pinned_blas(args.threads):
        baseline = baseline_matvec_ms()
        print(f"baseline 1590x1590 mat-vec: {baseline:.3f} ms (median)")
        print(f"{'datasets':<40}{'model':<7}{'median ms':>10}{'/ baseline':>12}")
        for datasets, model in cases:
            likelihood = cosmofit.load_likelihood(datasets, model)
            params = likelihood.model.defaults
            ms = 1e3 * median_seconds(
                lambda lk=likelihood, p=params: lk.chi2(p), repeat=args.repeat
            )
            print(f"{datasets:<40}{model:<7}{ms:>10.3f}{ms / baseline:>12.2f}")
        baseline = baseline_matvec_ms()
        print(f"baseline again: {baseline:.3f} ms")


if __name__ == "__main__":
    main()
