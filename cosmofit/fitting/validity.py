"""Is a fit inside the validity of the early-universe shortcuts it relies on?

The decoupling and drag redshifts come from fitting formulae calibrated on
standard physics (Hu & Sugiyama 1996, Eisenstein & Hu 1998), and the CMB
distance priors assume a standard pre-recombination expansion. A model that
changes the expansion rate at z* - PBUF with k_sat far from 1 rescales
radiation - is used outside those assumptions, however good its chi2. The
model stays as defined; the fit says so when H(z*) departs from the standard
(LCDM with the same H0, Om0, Obh2, Neff, Tcmb) by more than
:data:`EARLY_DEPARTURE`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

#: Relative departure of H(z*) from the standard one beyond which a fit is flagged.
EARLY_DEPARTURE = 0.01
#: Data kinds whose theory uses z*, z_d or the sound horizon.
EARLY_KINDS = ("cmb", "bao")


def early_departure(model, params: Mapping[str, float]) -> tuple[float, float]:
    """``(z*, H_model(z*) / H_standard(z*) - 1)`` at ``params``."""
    from cosmofit.models.lcdm import lcdm_e2
    from cosmofit.physics.background import Background

    bg = Background(model, params)
    z = bg.z_star
    ratio = math.sqrt(float(model.e2(z, bg.params, bg.Or)) / float(lcdm_e2(z, bg.params, bg.Or)))
    return z, ratio - 1.0


def early_universe_warning(model, params: Mapping[str, float], kinds: Sequence[str]) -> str | None:
    """The warning for a fit whose early expansion rate is not the standard one, or None."""
    if not any(kind in EARLY_KINDS for kind in kinds):
        return None
    z, departure = early_departure(model, params)
    if abs(departure) <= EARLY_DEPARTURE:
        return None
    return (
        f"H(z*) at z* = {z:.0f} is {1 + departure:.1%} of the standard rate (threshold "
        f"{EARLY_DEPARTURE:.0%}): z*, z_d and the CMB distance priors assume standard "
        "pre-recombination physics, so this fit's CMB and BAO chi2 lie outside their validity"
    )
