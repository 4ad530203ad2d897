"""Regenerate tests/reference/camb_extensions.json with CAMB 2.0.5 (maintainers only).

Usage: python scripts/camb_reference_extensions.py [--check]

CAMB values of H(z), D_M(z), r_drag, z_drag, z*, r_s(z*) for cosmologies
with massive neutrinos (one massive eigenstate, ``num_massive_neutrinos=1``),
spatial curvature and CPL dark energy (``dark_energy_model='ppf'``). The tests
read the JSON file and never need CAMB. ``--check`` recomputes and exits with
status 1 if any stored value moved by more than 1e-9 relative.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "reference" / "camb_extensions.json"
REDSHIFTS = (0.1, 0.3, 0.51, 0.71, 1.0, 1.32, 1.48, 2.0, 2.33, 2.5)

#: (label, H0, ombh2, omch2, mnu [eV], Neff, omk, w0, wa)
COSMOLOGIES = (
    ("planck-baseline", 67.36, 0.02237, 0.1200, 0.06, 3.044, 0.0, -1.0, 0.0),
    ("heavy-neutrino", 67.0, 0.0224, 0.1180, 0.30, 3.044, 0.0, -1.0, 0.0),
    ("open", 68.5, 0.0223, 0.1190, 0.06, 3.044, 0.05, -1.0, 0.0),
    ("closed", 64.0, 0.0221, 0.1230, 0.10, 3.046, -0.05, -1.0, 0.0),
    ("desi-w0wa", 63.7, 0.02237, 0.1200, 0.06, 3.044, 0.0, -0.75, -0.86),
    ("w0wa-curved-nu", 66.0, 0.0225, 0.1170, 0.20, 3.044, 0.02, -0.45, -1.7),
    ("phantom-closed", 70.5, 0.0222, 0.1210, 0.15, 3.044, -0.03, -1.2, 0.4),
    ("wcdm-massless", 69.0, 0.0226, 0.1150, 0.0, 3.046, 0.03, -0.9, 0.0),
)


def compute() -> list[dict]:
    import camb
    import numpy as np

    if camb.__version__ != "2.0.5":
        raise SystemExit(f"CAMB 2.0.5 is required, found {camb.__version__}")
    rows = []
    for label, H0, ombh2, omch2, mnu, nnu, omk, w0, wa in COSMOLOGIES:
        pars = camb.set_params(
            H0=H0,
            ombh2=ombh2,
            omch2=omch2,
            mnu=mnu,
            num_massive_neutrinos=1,
            nnu=nnu,
            omk=omk,
            w=w0,
            wa=wa,
            dark_energy_model="ppf",
            TCMB=2.7255,
        )
        results = camb.get_background(pars)
        derived = results.get_derived_params()
        z = list(REDSHIFTS)
        dm = results.angular_diameter_distance(z) * (1.0 + np.asarray(z))
        hz = results.hubble_parameter(z)
        rows.append(
            {
                "label": label,
                "H0": H0,
                "Obh2": ombh2,
                "Och2": omch2,
                "mnu": mnu,
                "Neff": nnu,
                "Tcmb": 2.7255,
                "Ok0": omk,
                "w0": w0,
                "wa": wa,
                "Om0": float(pars.omegam),
                "omnuh2": float(pars.omnuh2),
                "num_nu_massless": float(pars.num_nu_massless),
                "nu_mass_degeneracy": (
                    float(pars.nu_mass_degeneracies[0]) if pars.nu_mass_eigenstates else 0.0
                ),
                "camb_zstar": float(derived["zstar"]),
                "camb_rstar_Mpc": float(derived["rstar"]),
                "camb_zdrag": float(derived["zdrag"]),
                "camb_rdrag_Mpc": float(derived["rdrag"]),
                "DM_Mpc": {f"{zi:g}": float(v) for zi, v in zip(z, dm, strict=True)},
                "H_kms_Mpc": {f"{zi:g}": float(v) for zi, v in zip(z, hz, strict=True)},
            }
        )
    return rows


def _moved(old, new) -> bool:
    if isinstance(old, dict):
        return any(_moved(old[k], new[k]) for k in old)
    if isinstance(old, float):
        return abs(old - new) > 1e-9 * max(abs(old), 1e-30)
    return old != new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file")
    args = parser.parse_args()
    rows = compute()
    if args.check:
        stored = json.loads(OUTPUT.read_text())
        bad = [new["label"] for old, new in zip(stored, rows, strict=False) if _moved(old, new)]
        if bad or len(stored) != len(rows):
            print(f"stored CAMB values differ for: {', '.join(bad) or 'row count'}")
            return 1
        print("stored CAMB values are current")
        return 0
    OUTPUT.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {len(rows)} cosmologies to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
