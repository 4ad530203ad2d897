"""Rebuild the embedded dataset files from the public release files (maintainers only).

Usage: python scripts/embed_release_data.py ../shared/data [--check]

Each file in cosmofit/data/embedded is parsed from the official release with
the same readers that ``cosmofit data add`` uses, then written in the
embedded format. Paste the printed sha256 values into cosmofit/data/builtin.py;
``--check`` instead exits with status 1 if any differs from builtin.py.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cosmofit.data import formats  # noqa: E402
from cosmofit.data.records import DatasetRecord, GaussianPriorData  # noqa: E402
from cosmofit.data.registry import get_dataset  # noqa: E402

#: Dataset name -> (reader, release files relative to the release folder).
RELEASES: dict[str, tuple[Callable[..., DatasetRecord], tuple[str, ...]]] = {
    "planck18_priors": (
        formats.read_cmb_priors,
        (
            "cmb_planck2018_chen2019/distance_prior.txt",
            "cmb_planck2018_chen2019/distance_prior_corr.txt",
        ),
    ),
    "desi_dr2": (
        formats.read_bao_release,
        (
            "bao_desi_dr2/desi_dr2_gaussian_bao_ALL_GCcomb_mean.txt",
            "bao_desi_dr2/desi_dr2_gaussian_bao_ALL_GCcomb_cov.txt",
        ),
    ),
    "desi_dr1": (
        formats.read_bao_release,
        (
            "bao_desi_dr1/desi_2024_gaussian_bao_ALL_GCcomb_mean.txt",
            "bao_desi_dr1/desi_2024_gaussian_bao_ALL_GCcomb_cov.txt",
        ),
    ),
    "sdss_dr12": (
        formats.read_bao_release,
        (
            "bao_boss_dr12/sdss_DR12_LRG_BAO_DMDH.dat",
            "bao_boss_dr12/sdss_DR12_LRG_BAO_DMDH_covtot.txt",
        ),
    ),
    "sixdf": (formats.read_bao_single, ("bao_lowz/sixdfgs_2011.txt",)),
    "mgs": (formats.read_bao_single, ("bao_lowz/sdss_dr7_mgs.txt",)),
    "union3": (
        formats.read_union3,
        ("sn_union3/union3_lcparam_full.txt", "sn_union3/union3_mag_covmat.txt"),
    ),
    "pantheon+": (
        formats.read_pantheon_plus,
        ("sn_pantheon_plus/Pantheon+SH0ES.dat", "sn_pantheon_plus/Pantheon+SH0ES_STAT+SYS.cov"),
    ),
    "bbn": (
        functools.partial(formats.read_gaussian_prior, line=2),
        ("priors/gaussian_priors.txt",),
    ),
    "bbn_cooke": (
        functools.partial(formats.read_gaussian_prior, line=3),
        ("priors/gaussian_priors.txt",),
    ),
    "sh0es": (
        functools.partial(formats.read_gaussian_prior, line=4),
        ("priors/gaussian_priors.txt",),
    ),
    "planck_pr4_compressed": (lambda: planck_pr4_compressed(), ()),
    "des_dovekie": (
        formats.read_des_dovekie,
        ("sn_des_dovekie/DES-Dovekie_HD.csv", "sn_des_dovekie/STAT+SYS.npz"),
    ),
}


def planck_pr4_compressed() -> GaussianPriorData:
    """DESI DR2's compressed Planck PR4 CMB: a Gaussian in (theta*, omega_b, omega_bc).

    Not a file release: the means and covariance are those of the DESI cosmology
    code's ``CMB_standard_compression_PR4`` likelihood (observables thetastar,
    ombh2, ombch2), the full-precision form of DESI DR2 (arXiv:2503.14738)
    Appendix A, built with the method of Lemos & Lewis 2023 (arXiv:2302.12911).
    theta* is in radians (not 100 theta*).
    """
    record = GaussianPriorData(
        names=("theta_star", "omega_b", "omega_bc"),
        values=[0.01041027, 0.02223208, 0.14207901],
        cov=[
            [6.62099420e-12, 1.24442058e-10, -1.19287532e-09],
            [1.24442058e-10, 2.13441666e-08, -9.40008323e-08],
            [-1.19287532e-09, -9.40008323e-08, 1.48841714e-06],
        ],
    )
    record.validate("planck_pr4_compressed")
    return record


def read_release(name: str, release_dir: Path) -> DatasetRecord:
    """The record of a built-in dataset parsed from its official release files."""
    reader, files = RELEASES[name]
    return reader(*(release_dir / file for file in files))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release_dir", type=Path, help="folder of the public releases")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "cosmofit" / "data" / "embedded", help="output folder"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a hash differs from builtin.py"
    )
    args = parser.parse_args()

    mismatches = 0
    print(f"{'name':<16}{'n_points':>9}  {'size':>10}  sha256")
    for name in RELEASES:
        spec = get_dataset(name)
        record = read_release(name, args.release_dir)
        path = args.out / spec.filename
        sha256 = formats.write_embedded(path, record, citation=spec.citation)
        flag = "" if sha256 == spec.sha256 else "  (differs from builtin.py)"
        mismatches += bool(flag)
        print(f"{name:<16}{record.n_points:>9}  {path.stat().st_size:>10}  {sha256}{flag}")
    return 1 if args.check and mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
