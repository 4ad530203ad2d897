"""Published best fits reproduced by minimising the likelihoods with SciPy directly.

These check the whole chain (embedded data, distances, sound horizon, the
Gaussian algebra) against numbers other people measured, never against
cosmofit's own earlier output.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

import cosmofit


def best_fit(likelihood, names, start, fixed=None):
    fixed = dict(fixed or {})

    def objective(x):
        return likelihood.chi2({**fixed, **dict(zip(names, x, strict=True))})

    result = minimize(
        objective,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 20000, "maxfev": 40000},
    )
    assert result.success, result.message
    return result.x, result.fun, objective


def hessian_sigma(objective, x, steps):
    """1-sigma errors from the Hessian of chi2/2 (central finite differences)."""
    n = len(x)
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.eye(n)[i] * steps[i]
            ej = np.eye(n)[j] * steps[j]
            hess[i, j] = (
                objective(x + ei + ej)
                - objective(x + ei - ej)
                - objective(x - ei + ej)
                + objective(x - ei - ej)
            ) / (4 * steps[i] * steps[j])
    return np.sqrt(np.diag(np.linalg.inv(hess / 2.0)))


#: Planck 2018 VI, Table 2, TT,TE,EE+lowE means (the chains the priors were compressed from).
PLANCK18_MEANS = {"H0": 67.27, "Om0": 0.3166, "Obh2": 0.02236}
PLANCK18_H0_SIGMA = 0.60


def test_planck_priors_give_planck_means_chi2_near_zero():
    # The priors summarise Planck's chains: Planck's own means (its baseline cosmology, one
    # 0.06 eV neutrino) must sit at their centre.
    assert cosmofit.load_likelihood("cmb", "lcdm").chi2({**PLANCK18_MEANS, "mnu": 0.06}) < 0.5


def test_planck_priors_are_fitted_exactly_at_planck_values():
    likelihood = cosmofit.load_likelihood("cmb", "lcdm")
    x, chi2, objective = best_fit(likelihood, ["H0", "Om0", "Obh2"], [67.4, 0.315, 0.02237])
    assert chi2 < 1e-6
    # Planck 2018: H0 = 67.27 +- 0.60, Om0 = 0.3166 +- 0.0084
    assert x[0] == pytest.approx(PLANCK18_MEANS["H0"], abs=0.3 * PLANCK18_H0_SIGMA)
    assert x[1] == pytest.approx(PLANCK18_MEANS["Om0"], abs=0.3 * 0.0084)
    sigma = hessian_sigma(objective, x, [0.05, 0.0005, 1e-5])
    assert sigma[0] == pytest.approx(PLANCK18_H0_SIGMA, rel=0.1)


def test_desi_dr2_bao_alone():
    likelihood = cosmofit.load_likelihood("desi_dr2", "lcdm")
    x, _, objective = best_fit(likelihood, ["H0", "Om0"], [68.0, 0.30], fixed={"Obh2": 0.02218})
    sigma = hessian_sigma(objective, x, [0.05, 0.0005])
    bg = cosmofit.background("lcdm", H0=x[0], Om0=x[1], Obh2=0.02218)
    # DESI 2025 (arXiv:2503.14738): Om0 = 0.2975 +- 0.0086, h r_d = 101.54 +- 0.73 Mpc.
    assert x[1] == pytest.approx(0.2975, abs=0.0086 / 4)
    assert sigma[1] == pytest.approx(0.0086, rel=0.1)
    assert bg.h * bg.r_drag == pytest.approx(101.54, abs=0.73 / 4)


def test_pantheon_plus_alone():
    likelihood = cosmofit.load_likelihood("pantheon+", "lcdm")
    x, _, objective = best_fit(likelihood, ["Om0"], [0.3])
    sigma = hessian_sigma(objective, x, [0.002])
    # Brout et al. 2022 (arXiv:2202.04077): Om0 = 0.334 +- 0.018.
    assert x[0] == pytest.approx(0.334, abs=0.018 / 4)
    assert sigma[0] == pytest.approx(0.018, rel=0.1)


def test_union3_alone():
    likelihood = cosmofit.load_likelihood("union3", "lcdm")
    x, _, _ = best_fit(likelihood, ["Om0"], [0.3])
    # Rubin et al. 2023: Om0 = 0.356 +0.028 -0.026.
    assert x[0] == pytest.approx(0.356, abs=0.027 / 4)


def test_sn_chi2_barely_depends_on_h0():
    # With M profiled, H0 only enters through Omega_r = omega_r / h^2: a change of
    # 20 km/s/Mpc moves chi2 by about 0.01 out of 1400.
    likelihood = cosmofit.load_likelihood("sn", "lcdm")
    assert likelihood.chi2({"H0": 60.0}) == pytest.approx(likelihood.chi2({"H0": 80.0}), abs=0.05)


def test_des_dovekie_alone():
    likelihood = cosmofit.load_likelihood("des_dovekie", "lcdm")
    x, _, objective = best_fit(likelihood, ["Om0"], [0.3])
    sigma = hessian_sigma(objective, x, [0.002])
    # DES Collaboration, Popovic et al. 2025 (arXiv:2511.07517): Om0 = 0.330 +- 0.015.
    assert x[0] == pytest.approx(0.330, abs=0.25 * 0.015)
    assert sigma[0] == pytest.approx(0.015, rel=0.1)
