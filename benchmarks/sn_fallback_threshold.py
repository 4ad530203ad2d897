"""How well the compressed supernova chi^2's own error estimate predicts its error.

Run: python benchmarks/sn_fallback_threshold.py [--points N]

For pantheon+ and union3 and every registered model, the points of the
bound-box test (tests/likelihoods/test_compressed_sn.py, same seeds) are
evaluated one at a time with the compressed interpolant alone and with the
dense form. Printed per case: the finite points, the worst |delta chi^2| of the
interpolant alone and of the likelihood as called (dense fallback included),
and how many points took the dense path. Then, over all cases, the largest
ratio |delta chi^2| / estimate where the forms differ by more than rounding,
which is what :data:`cosmofit.likelihoods.sn.FALLBACK_THRESHOLD` rests on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "likelihoods"))

from test_compressed_sn import BOX_POINTS, SN_DATASETS, box_points  # noqa: E402

#: Below this the two forms differ by rounding (chi^2 up to ~3e4 at the box's corners).
ROUNDING = 1e-7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=BOX_POINTS)
    args = parser.parse_args()

    import cosmofit
    from cosmofit.errors import PhysicsError
    from cosmofit.likelihoods.sn import FALLBACK_THRESHOLD
    from cosmofit.models.registry import available_models, get_model

    print(f"{'case':<18}{'finite':>7}{'interpolant':>13}{'as called':>11}{'dense path':>12}")
    differences, estimates = [], []
    for dataset in SN_DATASETS:
        for model in available_models():
            compressed = cosmofit.load_likelihood(dataset, model)
            dense = cosmofit.load_likelihood(dataset, model, exact=True).components[0]
            sn = compressed.components[0]
            seed = sum(map(ord, dataset + model))
            worst_alone = worst_called = 0.0
            finite = dense_path = 0
            for point in box_points(get_model(model), args.points, seed=seed):
                bg, _ = compressed.background(point)
                if bg is None:
                    continue
                with np.errstate(invalid="ignore"):
                    try:
                        reference = dense.chi2(bg)
                        f = sn._node_values(bg)
                        called = sn.chi2(bg)
                    except PhysicsError:
                        continue
                if not np.isfinite(reference):
                    continue
                out = f @ sn._kernel + sn._kernel_0
                rr = float(out[: sn._n_factor] @ out[: sn._n_factor])
                tail = float(np.linalg.norm(out[sn._n_factor :]))
                finite += 1
                dense_path += tail * np.sqrt(1.0 + rr) > FALLBACK_THRESHOLD
                worst_alone = max(worst_alone, abs(rr - reference))
                worst_called = max(worst_called, abs(called - reference))
                differences.append(abs(rr - reference))
                estimates.append(tail * np.sqrt(1.0 + rr))
            label = f"{dataset}/{model}"
            print(
                f"{label:<18}{finite:>7}{worst_alone:>13.2e}{worst_called:>11.2e}{dense_path:>12}"
            )
    differences, estimates = np.array(differences), np.array(estimates)
    beyond = differences > ROUNDING
    ratio = np.max(differences[beyond] / estimates[beyond], initial=0.0)
    print(f"\npoints where the interpolant alone is off by > {ROUNDING:g}: {beyond.sum()}")
    print(f"there, max |delta chi^2| / estimate = {ratio:.3g}")
    print(f"largest difference at or below rounding: {differences[~beyond].max():.2e}")
    print(f"estimate quantiles 50/90/99%: {np.quantile(estimates, [0.5, 0.9, 0.99])}")
    flagged = estimates > FALLBACK_THRESHOLD
    print(
        f"threshold {FALLBACK_THRESHOLD:g}: {flagged.sum()} of {estimates.size} points take the "
        f"dense path; worst |delta chi^2| of the rest {differences[~flagged].max():.2e}; "
        f"bound ratio x threshold = {ratio * FALLBACK_THRESHOLD:.2e}"
    )


if __name__ == "__main__":
    main()
