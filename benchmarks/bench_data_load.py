"""Median time to load Pantheon+ from the embedded file vs parsing the raw release.

Run: python benchmarks/bench_data_load.py [--repeat N]
Target: the embedded load (cold: cache cleared, sha256 checked, arrays
validated including the Cholesky positive-definiteness check) stays well
under the raw parse of the 33 MB text release. The raw part needs
../shared/data beside the checkout and is skipped with a message without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import baseline_matvec_ms, median_seconds, pinned_blas  # noqa: E402

RELEASE = Path(__file__).resolve().parents[2] / "shared" / "data" / "sn_pantheon_plus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of the embedded load")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args()

    from cosmofit.data import loader
    from cosmofit.data.formats import read_embedded, read_pantheon_plus
    from cosmofit.data.registry import get_dataset

    spec = get_dataset("pantheon+")
    location = loader.dataset_location(spec)

    def cold_load() -> None:
        loader.clear_cache()
        loader.load_dataset(spec)

    with pinned_blas(args.threads):
        baseline = baseline_matvec_ms()
        print(f"baseline 1590x1590 mat-vec: {baseline:.3f} ms (median)")
        size_mb = Path(location).stat().st_size / 1e6
        print(f"embedded {Path(location).name}: {size_mb:.1f} MB")
        rows = [
            ("read_embedded (no checks)", lambda: read_embedded(location, spec), args.repeat),
            ("load_dataset cold (sha256+validate)", cold_load, args.repeat),
            ("load_dataset cached", lambda: loader.load_dataset(spec), args.repeat),
        ]
        dat, cov = RELEASE / "Pantheon+SH0ES.dat", RELEASE / "Pantheon+SH0ES_STAT+SYS.cov"
        if dat.is_file() and cov.is_file():
            rows.append(
                ("read_pantheon_plus (raw release)", lambda: read_pantheon_plus(dat, cov), 5)
            )
        else:
            print(f"raw release not found in {RELEASE}; skipping the raw parse")
        for label, func, repeat in rows:
            ms = 1e3 * median_seconds(func, repeat=repeat, warmup=1)
            print(f"{label:<38}{ms:>10.2f} ms")


if __name__ == "__main__":
    main()
