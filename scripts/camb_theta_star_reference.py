"""Regenerate tests/reference/camb_theta_star.json: CAMB 2.0.5 z*, r_s(z*) and theta*.

Usage: python scripts/camb_theta_star_reference.py [--out tests/reference/camb_theta_star.json]

The points cover the box the calibrated z* is checked on: a full grid in
omega_b [0.020, 0.025], omega_c [0.10, 0.14], Neff [2.5, 3.6] (H0 varied with
them) plus quasi-random interior points that the calibration was not fitted
to. Neutrinos are massless (num_massive_neutrinos = 0, mnu = 0), matching the
models' radiation. The tests read the JSON; they never need CAMB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "reference" / "camb_theta_star.json"

OMEGA_B = (0.020, 0.0225, 0.025)
OMEGA_C = (0.10, 0.12, 0.14)
NEFF = (2.5, 3.046, 3.6)
H0 = (62.0, 67.5, 73.0)
TCMB = 2.7255


#: Points with one massive neutrino (omega_b, omega_c, Neff, H0, mnu [eV]), beyond the
#: massless box the calibration was fitted in.
MASSIVE = (
    (0.0224, 0.120, 3.044, 67.4, 0.06),
    (0.0222, 0.118, 3.044, 70.0, 0.06),
    (0.0226, 0.122, 3.044, 66.0, 0.10),
    (0.0224, 0.120, 3.044, 67.4, 0.15),
    (0.0222, 0.118, 3.044, 68.0, 0.30),
)


def camb_point(
    omega_b: float, omega_c: float, neff: float, h0: float, mnu: float = 0.0
) -> dict[str, float]:
    import camb

    pars = camb.CAMBparams()
    pars.set_cosmology(
        H0=h0,
        ombh2=omega_b,
        omch2=omega_c,
        mnu=mnu,
        nnu=neff,
        num_massive_neutrinos=1 if mnu > 0 else 0,
        TCMB=TCMB,
        omk=0.0,
    )
    derived = camb.get_background(pars).get_derived_params()
    h = h0 / 100.0
    extra = {"mnu": mnu} if mnu > 0 else {}
    return {
        "H0": h0,
        "Obh2": omega_b,
        "Och2": omega_c,
        "Om0": (omega_b + omega_c + pars.omnuh2) / h**2,
        **extra,
        "Neff": neff,
        "Tcmb": TCMB,
        "camb_zstar": derived["zstar"],
        "camb_rstar_Mpc": derived["rstar"],
        "camb_100thetastar": derived["thetastar"],
    }


#: DESI DR2's compressed Planck PR4 CMB (theta*, omega_b, omega_bc): means and covariance.
PR4_MEAN = (0.01041027, 0.02223208, 0.14207901)
PR4_COV = (
    (6.62099420e-12, 1.24442058e-10, -1.19287532e-09),
    (1.24442058e-10, 2.13441666e-08, -9.40008323e-08),
    (-1.19287532e-09, -9.40008323e-08, 1.48841714e-06),
)


def compressed_cmb_lcdm() -> dict[str, object]:
    """Flat LCDM (massless neutrinos) solved by CAMB from the compressed CMB alone.

    Three numbers fix (H0, omega_b, omega_c): H0 is found so that CAMB's
    thetastar equals the mean; Om0 and h r_drag and their covariance follow
    by propagating the compressed covariance through finite differences.
    """
    import camb
    import numpy as np
    from scipy.optimize import brentq

    def solve(theta: float, omega_b: float, omega_bc: float) -> np.ndarray:
        def results(h0: float):
            pars = camb.CAMBparams()
            pars.set_cosmology(
                H0=h0,
                ombh2=omega_b,
                omch2=omega_bc - omega_b,
                mnu=0.0,
                nnu=3.046,
                num_massive_neutrinos=0,
                TCMB=TCMB,
            )
            return camb.get_background(pars)

        h0 = brentq(
            lambda h: results(h).get_derived_params()["thetastar"] / 100 - theta,
            55,
            85,
            xtol=1e-8,
        )
        derived = results(h0).get_derived_params()
        return np.array([omega_bc / (h0 / 100) ** 2, h0 / 100 * derived["rdrag"], h0])

    mean, cov = np.array(PR4_MEAN), np.array(PR4_COV)
    centre = solve(*mean)
    jacobian = np.empty((3, 3))
    for i in range(3):
        step = np.zeros(3)
        step[i] = 0.1 * math.sqrt(cov[i, i])
        jacobian[:, i] = (solve(*(mean + step)) - solve(*(mean - step))) / (2 * step[i])
    out_cov = jacobian @ cov @ jacobian.T
    return {
        "names": ["Om0", "h_rdrag", "H0"],
        "values": centre.tolist(),
        "cov": out_cov.tolist(),
    }


def compressed_cmb_desi_lcdm(mnu: float) -> dict[str, float]:
    """Best fit of flat LCDM to the compressed CMB + DESI DR2 BAO computed entirely with CAMB.

    With ``mnu`` = 0 this is the physics cosmofit implements (massless neutrinos);
    ``mnu`` = 0.06 eV (one massive state, Neff = 3.044) is DESI's baseline, to show
    how much of the gap to the published DESI+CMB values the neutrino mass makes.
    """
    import camb
    import numpy as np
    from scipy.optimize import minimize

    sys.path.insert(0, str(ROOT))
    from cosmofit.data.loader import load_dataset

    bao = load_dataset("desi_dr2").data
    z, values, kinds, bao_cov = bao.z, bao.values, bao.kinds, bao.cov
    mean, cov = np.array(PR4_MEAN), np.array(PR4_COV)

    def evaluate(x: np.ndarray) -> tuple[float, float]:
        h0, omega_b, omega_bc = x
        pars = camb.CAMBparams()
        pars.set_cosmology(
            H0=h0,
            ombh2=omega_b,
            omch2=omega_bc - omega_b,
            mnu=mnu,
            TCMB=TCMB,
            nnu=3.044 if mnu > 0 else 3.046,
            num_massive_neutrinos=1 if mnu > 0 else 0,
        )
        results = camb.get_background(pars)
        derived = results.get_derived_params()
        rd = derived["rdrag"]
        dm = results.comoving_radial_distance(z)
        dh = 299792.458 / results.hubble_parameter(z)
        by_kind = {
            "DM_over_rs": dm / rd,
            "DH_over_rs": dh / rd,
            "DV_over_rs": np.cbrt(z * dm**2 * dh) / rd,
        }
        theory = np.array([by_kind[kind][i] for i, kind in enumerate(kinds)])
        r_bao = values - theory
        r_cmb = mean - np.array([derived["thetastar"] / 100, omega_b, omega_bc])
        chi2 = r_bao @ np.linalg.solve(bao_cov, r_bao) + r_cmb @ np.linalg.solve(cov, r_cmb)
        om0 = (omega_bc + results.get_Omega("nu", 0) * (h0 / 100) ** 2) / (h0 / 100) ** 2
        return float(chi2), float(om0)

    scale = np.array([100.0, 0.01, 0.1])
    best = minimize(
        lambda u: evaluate(u * scale)[0],
        np.array([0.68, 2.23, 1.41]),
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-8, "maxiter": 4000},
    )
    x = best.x * scale
    chi2, om0 = evaluate(x)
    return {"mnu": mnu, "H0": float(x[0]), "Obh2": float(x[1]), "Om0": om0, "chi2": chi2}


def sobol_points(n: int) -> list[tuple[float, float, float, float]]:
    from scipy.stats import qmc

    unit = qmc.Sobol(d=4, scramble=True, seed=20251130).random(n)
    lower, upper = [0.020, 0.10, 2.5, 60.0], [0.025, 0.14, 3.6, 76.0]
    scaled = qmc.scale(unit, lower, upper)
    return [tuple(float(v) for v in row) for row in scaled]


def print_fit(points: list[dict[str, float]]) -> int:
    """Least-squares coefficients of ln(z*_CAMB / z*_HS) in the features of early.py."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from cosmofit.physics.early import z_star_calibration_features, z_star_hu_sugiyama

    rows, target = [], []
    for p in points:
        omega_m = p["Obh2"] + p["Och2"]
        rows.append(z_star_calibration_features(p["Obh2"], omega_m, p["Neff"]))
        target.append(math.log(p["camb_zstar"] / z_star_hu_sugiyama(p["Obh2"], omega_m)))
    coef, *_ = np.linalg.lstsq(np.array(rows), np.array(target), rcond=None)
    print("Z_STAR_CALIBRATION = (")
    for value in coef:
        print(f"    {value:.10e},")
    print(")")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--random", type=int, default=64, help="number of quasi-random points")
    parser.add_argument(
        "--fit", action="store_true", help="print the z* calibration fitted to the grid points"
    )
    args = parser.parse_args()
    if args.fit:
        return print_fit(json.loads(args.out.read_text())["grid"])
    import camb

    grid = [
        camb_point(wb, wc, neff, h0)
        for (wb, wc, neff), h0 in zip(
            itertools.product(OMEGA_B, OMEGA_C, NEFF), itertools.cycle(H0), strict=False
        )
    ]
    random = [camb_point(*point) for point in sobol_points(args.random)]
    massive = [camb_point(*point) for point in MASSIVE]
    document = {
        "generator": f"scripts/camb_theta_star_reference.py, CAMB {camb.__version__}",
        "columns": "camb_100thetastar = 100 r_s(z*)/D_M(z*); camb_rstar_Mpc; camb_zstar",
        "grid": grid,
        "random": random,
        "massive": massive,
        "compressed_cmb_lcdm": compressed_cmb_lcdm(),
        "compressed_cmb_desi_dr2_lcdm": [compressed_cmb_desi_lcdm(m) for m in (0.0, 0.06)],
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(grid)} grid + {len(random)} random points to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
