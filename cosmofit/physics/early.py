"""Early-universe redshifts: photon decoupling z* and baryon drag z_d.

Both are fitting formulae in omega_b and omega_m; the sound horizon itself is
integrated with the model's own H(z) in :mod:`cosmofit.physics.background`,
so any change to the expansion history (PBUF's k_sat) reaches the CMB and BAO
scales.
"""

from __future__ import annotations

#: Calibration of the Eisenstein & Hu (1998) drag redshift so that the
#: sound-horizon integral reproduces CAMB's r_drag (project convention; measured
#: against CAMB 2.0.5 for omega_b in [0.020, 0.0245], omega_c in [0.10, 0.14],
#: Neff in [2.5, 3.6], agreement within 0.12%).
Z_DRAG_CALIBRATION = 1.0385


def z_star_hu_sugiyama(omega_b: float, omega_m: float) -> float:
    """Photon decoupling redshift, Hu & Sugiyama (1996)."""
    g1 = 0.0783 * omega_b**-0.238 / (1.0 + 39.5 * omega_b**0.763)
    g2 = 0.560 / (1.0 + 21.1 * omega_b**1.81)
    return 1048.0 * (1.0 + 0.00124 * omega_b**-0.738) * (1.0 + g1 * omega_m**g2)


def z_drag_eisenstein_hu(omega_b: float, omega_m: float) -> float:
    """Baryon drag redshift: Eisenstein & Hu (1998) eq. 4 times the CAMB calibration."""
    b1 = 0.313 * omega_m**-0.419 * (1.0 + 0.607 * omega_m**0.674)
    b2 = 0.238 * omega_m**0.223
    z_eh = 1291.0 * omega_m**0.251 / (1.0 + 0.659 * omega_m**0.828) * (1.0 + b1 * omega_b**b2)
    return Z_DRAG_CALIBRATION * z_eh
