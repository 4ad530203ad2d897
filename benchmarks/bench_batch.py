"""Per-point cost of ``chi2_batch`` at K = 1, 16 and 64 points, against single ``chi2`` calls.

Run: python benchmarks/bench_batch.py [--threads N] [--repeat R]
Target: for cmb+bao+sn, the per-point cost at K = 64 is at most a third of one
single call. Each point still builds its own background (distance grid); the
gain is the covariance work, one dtrsm on a K-column block instead of K
memory-bound dtrsv calls. Every K uses K distinct points.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import baseline_matvec_ms, median_seconds, pinned_blas  # noqa: E402

CASES = [("cmb,bao,sn", "lcdm"), ("cmb,bao,sn", "pbuf"), ("pantheon+", "lcdm")]
SIZES = (1, 16, 64)


def sample_points(model, k: int, seed: int = 0) -> list[dict[str, float]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    points = []
    for _ in range(k):
        p = model.defaults
        p.update(H0=62.0 + 10.0 * rng.random(), Om0=0.26 + 0.08 * rng.random())
        points.append(p)
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--repeat", type=int, default=300, help="single-call repeats")
    args = parser.parse_args()

    import cosmofit

    with pinned_blas(args.threads):
        print(f"baseline 1590x1590 mat-vec: {baseline_matvec_ms():.3f} ms (median)")
        header = f"{'datasets':<12}{'model':<6}{'single ms':>10}"
        header += "".join(f"{f'K={k} ms/pt':>13}{'ratio':>7}" for k in SIZES)
        print(header)
        for datasets, model in CASES:
            likelihood = cosmofit.load_likelihood(datasets, model)
            points = sample_points(likelihood.model, max(SIZES))
            single = 1e3 * median_seconds(
                lambda lk=likelihood, p=points[0]: lk.chi2(p), repeat=args.repeat
            )
            row = f"{datasets:<12}{model:<6}{single:>10.3f}"
            for k in SIZES:
                batch = points[:k]
                per_point = (
                    1e3
                    * median_seconds(
                        lambda lk=likelihood, b=batch: lk.chi2_batch(b),
                        repeat=max(20, args.repeat // k),
                        warmup=3,
                    )
                    / k
                )
                row += f"{per_point:>13.3f}{per_point / single:>7.2f}"
            print(row)
        print(f"baseline again: {baseline_matvec_ms():.3f} ms")


if __name__ == "__main__":
    main()
