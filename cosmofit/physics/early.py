"""Early-universe redshifts: photon decoupling z* and baryon drag z_d.

All are fitting formulae in omega_b and omega_m (and Neff); the sound horizon
itself is integrated with the model's own H(z) in
:mod:`cosmofit.physics.background`, so any change to the expansion history
(PBUF's k_sat) reaches the CMB and BAO scales.

Two photon-decoupling redshifts exist on purpose:

* :func:`z_star_hu_sugiyama`, the Hu & Sugiyama (1996) fit, with which Chen,
  Huang & Wang (2019) defined the Planck 2018 (R, l_A, omega_b) priors: those
  priors must be evaluated with it.
* :func:`z_star_camb`, the same fit times a smooth correction measured against
  CAMB 2.0.5's recombination (its ``zstar``, optical depth unity). theta* is
  measured to 0.025%, and r_s(z*) changes by ~6e-4 per unit of z*, so the
  compressed CMB likelihood in (theta*, omega_b, omega_bc) needs z* to ~0.05:
  the Hu & Sugiyama fit is off by 2-3 units (theta* low by 0.07-0.18%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cosmofit.physics.background import Background

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


#: ln(z*_CAMB / z*_HS) = sum of these coefficients times
#: :func:`z_star_calibration_features` (a quadratic in ln omega_b, ln omega_m, Neff).
#: Least-squares fit to CAMB 2.0.5 ``zstar`` on the 27-point grid of
#: ``scripts/camb_theta_star_reference.py --fit`` (omega_b [0.020, 0.025],
#: omega_c [0.10, 0.14], Neff [2.5, 3.6], massless neutrinos). With it theta*
#: agrees with CAMB's ``thetastar`` to < 3e-6 relative on the grid and on 64
#: quasi-random points it was not fitted to (tests/reference/camb_theta_star.json).
Z_STAR_CALIBRATION: tuple[float, ...] = (
    -1.7833245880e-03,
    1.9697201744e-03,
    1.3983692299e-04,
    9.0045822595e-04,
    1.6445668358e-03,
    -6.5495538588e-04,
    -8.0929368848e-04,
    -9.7304818605e-05,
    -9.3294139920e-06,
    -2.2412483476e-05,
)

#: Tag of the theta* convention, stored with every fit that uses theta* (see cosmofit.provenance).
THETA_STAR_CONVENTION = "theta-star-zstar-camb2.0.5-calibrated"

#: Pivot of the calibration features (centre of the calibrated box).
_PIVOT_OMEGA_B = 0.0224
_PIVOT_OMEGA_M = 0.143
_PIVOT_NEFF = 3.046


def z_star_calibration_features(omega_b, omega_m, neff: float) -> list:
    """1, the three variables and their six products, about the box centre (arrays broadcast)."""
    x = (
        np.log(omega_b / _PIVOT_OMEGA_B),
        np.log(omega_m / _PIVOT_OMEGA_M),
        neff - _PIVOT_NEFF,
    )
    quadratic = [x[i] * x[j] for i in range(3) for j in range(i, 3)]
    return [1.0, *x, *quadratic]


def z_star_camb(omega_b: float, omega_m: float, neff: float) -> float:
    """Photon decoupling redshift calibrated to CAMB's recombination (see module docstring).

    Calibrated for omega_b in [0.020, 0.025], omega_c in [0.10, 0.14] and Neff
    in [2.5, 3.6]; outside, the correction (a few units in z*) is extrapolated
    smoothly and theta* is less accurate than 3e-5.
    """
    features = z_star_calibration_features(omega_b, omega_m, neff)
    correction = sum(c * f for c, f in zip(Z_STAR_CALIBRATION, features, strict=True))
    return z_star_hu_sugiyama(omega_b, omega_m) * np.exp(correction)


def theta_star(bg: Background):
    """Angular acoustic scale r_s(z*)/D_M(z*) [rad] with the CAMB-calibrated z*.

    A float for one point, a (P, 1) column for a batch (z* differs per point).
    """
    z = z_star_camb(bg.omega_b, bg.omega_cb, bg.params["Neff"])
    rs, dm = bg.scales_at(z)
    return rs / dm
