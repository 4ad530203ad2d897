"""Worst-case accuracy of w0wa, curvature and massive neutrinos against CAMB and astropy.

Usage: python scripts/accuracy_extensions.py

Reads the CAMB 2.0.5 values in tests/reference/camb_extensions.json and calls
astropy directly at the parameter points of tests/physics/test_extensions.py;
prints the worst relative difference per quantity.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "physics"))

from test_extensions import (  # noqa: E402
    ASTROPY_POINTS,
    Z_LOW,
    _astropy_twin,
    _camb_background,
    _with_massive_neff,
)

import cosmofit  # noqa: E402


def main() -> None:
    rows = json.loads((ROOT / "tests" / "reference" / "camb_extensions.json").read_text())
    worst: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        worst[name] = max(worst.get(name, 0.0), float(value))

    for row in rows:
        bg = _camb_background(row)
        for z, value in row["DM_Mpc"].items():
            keep("CAMB D_M (z <= 2.5)", abs(float(bg.DM(float(z))) / value - 1))
        for z, value in row["H_kms_Mpc"].items():
            keep("CAMB H (z <= 2.5)", abs(float(bg.H(float(z))) / value - 1))
        keep("CAMB r_drag", abs(bg.r_drag / row["camb_rdrag_Mpc"] - 1))
        keep("CAMB z_drag", abs(bg.z_drag / row["camb_zdrag"] - 1))
        keep("CAMB z* (fitting formula)", abs(bg.z_star / row["camb_zstar"] - 1))
        keep("CAMB r_s(z*)", abs(bg.rs_star / row["camb_rstar_Mpc"] - 1))
        if row["mnu"] > 0:
            keep("CAMB omnuh2", abs(bg.omega_nu / row["omnuh2"] - 1))
    print(f"CAMB 2.0.5: {len(rows)} cosmologies")
    for name, value in worst.items():
        print(f"  {name:<28} {value:.2e}")

    worst = {}
    for model, params in ASTROPY_POINTS:
        bg = cosmofit.background(model, **_with_massive_neff(params))
        twin = _astropy_twin(bg)
        kind = "massless" if bg.omega_nu == 0 else "massive nu"
        for name, ours, theirs in (
            ("D_M", bg.DM(Z_LOW), twin.comoving_transverse_distance(Z_LOW).value),
            ("D_L", bg.DL(Z_LOW), twin.luminosity_distance(Z_LOW).value),
            ("H", bg.H(Z_LOW), twin.H(Z_LOW).value),
        ):
            keep(f"{name} ({kind})", np.max(np.abs(ours / theirs - 1)))
    print(f"astropy: {len(ASTROPY_POINTS)} points, 0 < z < 3")
    for name, value in sorted(worst.items()):
        print(f"  {name:<28} {value:.2e}")


if __name__ == "__main__":
    main()
