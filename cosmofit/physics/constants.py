"""Physical constants and the radiation content (PHYSICS.md section 1)."""

from __future__ import annotations

#: Speed of light [km/s].
C_KM_S = 299792.458

#: Photon density omega_gamma = Omega_gamma h^2 at T_CMB = 2.7255 K
#: (from rho_gamma = pi^2/15 (k_B T)^4 / (hbar^3 c^5) and the critical density
#: for H0 = 100 km/s/Mpc, CODATA constants).
OMEGA_GAMMA_H2_AT_2_7255 = 2.4729753e-5
T_CMB_REFERENCE = 2.7255

#: Energy density of one massless neutrino species relative to photons:
#: 7/8 (4/11)^(4/3).
NEUTRINO_PER_PHOTON = 0.22710731766


def omega_gamma_h2(tcmb: float) -> float:
    """Physical photon density omega_gamma for a CMB temperature ``tcmb`` [K]."""
    return OMEGA_GAMMA_H2_AT_2_7255 * (tcmb / T_CMB_REFERENCE) ** 4


def omega_radiation_h2(tcmb: float, neff: float) -> float:
    """Physical radiation density omega_r = omega_gamma (1 + 0.2271 Neff), massless neutrinos."""
    return omega_gamma_h2(tcmb) * (1.0 + NEUTRINO_PER_PHOTON * neff)
