"""Parameter declarations: every fact about a parameter is written once, here.

Defaults, hard bounds, units, labels and whether the optimizer may move the
parameter by default all come from a :class:`ParamSpec`; commands, reports and
the optimizer read them instead of keeping copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Scale = Literal["linear", "log"]


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter.

    ``bounds`` are both physical validity limits and the optimizer's box;
    ``optimizable`` says whether the optimizer moves the parameter when the user
    does not choose; ``fixed_only`` parameters can never be optimized (the CMB
    temperature is measured far better than any fit here could);
    ``scale="log"`` makes the optimizer work in log10 (for parameters that span
    decades, such as PBUF's Rmax).
    """

    name: str
    default: float
    bounds: tuple[float, float]
    optimizable: bool = True
    fixed_only: bool = False
    scale: Scale = "linear"
    unit: str = ""
    label: str = ""
    doc: str = ""
    #: A parameter added to a model later, whose default reproduces the model as it was
    #: before: a stored record written without it is read with the default.
    backfill: bool = False

    def __post_init__(self) -> None:
        low, high = self.bounds
        if not low < high:
            raise ValueError(f"{self.name}: lower bound {low} is not below upper bound {high}")
        if not low <= self.default <= high:
            raise ValueError(f"{self.name}: default {self.default} is outside {self.bounds}")
        if self.fixed_only and self.optimizable:
            raise ValueError(f"{self.name}: a fixed-only parameter cannot be optimizable")
        if self.scale == "log" and low <= 0:
            raise ValueError(f"{self.name}: a log-scale parameter needs positive bounds")

    def contains(self, value: float) -> bool:
        """True when ``value`` is a finite number inside the hard bounds."""
        return math.isfinite(value) and self.bounds[0] <= value <= self.bounds[1]

    def to_unit(self, value: float) -> float:
        """Map a value to [0, 1] across the bounds (log10 for log-scale parameters)."""
        low, high = self.bounds
        if self.scale == "log":
            return (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return (value - low) / (high - low)

    def from_unit(self, u: float) -> float:
        """Inverse of :meth:`to_unit`, clipped to the bounds."""
        u = min(max(u, 0.0), 1.0)
        low, high = self.bounds
        if self.scale == "log":
            lo, hi = math.log10(low), math.log10(high)
            return min(max(10.0 ** (lo + u * (hi - lo)), low), high)
        return min(max(low + u * (high - low), low), high)

    def describe_bounds(self) -> str:
        return f"[{self.bounds[0]:g}, {self.bounds[1]:g}]"


# Parameters shared by every model in cosmofit (PHYSICS.md sections 2 and 7).
H0 = ParamSpec(
    "H0", 67.4, (20.0, 150.0), unit="km/s/Mpc", label="H_0", doc="Hubble constant today."
)
OM0 = ParamSpec(
    "Om0",
    0.315,
    (0.01, 0.99),
    label="Omega_m",
    doc="Total matter density today (baryons included), in units of critical.",
)
OBH2 = ParamSpec(
    "Obh2", 0.02237, (0.005, 0.1), label="omega_b", doc="Physical baryon density Omega_b h^2."
)
NS = ParamSpec(
    "ns",
    0.9649,
    (0.5, 1.5),
    optimizable=False,
    label="n_s",
    doc="Scalar spectral index; no background observable depends on it, so it is not "
    "optimized unless asked for (--params ns).",
)
NEFF = ParamSpec(
    "Neff",
    3.046,
    (1.0, 10.0),
    optimizable=False,
    label="N_eff",
    doc="Effective number of relativistic neutrino species (the massive eigenstate included).",
)
TCMB = ParamSpec(
    "Tcmb",
    2.7255,
    (2.0, 3.0),
    optimizable=False,
    fixed_only=True,
    unit="K",
    label="T_CMB",
    doc="CMB temperature today.",
)

MNU = ParamSpec(
    "mnu",
    0.0,
    (0.0, 1.0),
    optimizable=False,
    unit="eV",
    label="sum m_nu",
    doc=(
        "Sum of neutrino masses, in one massive eigenstate (the rest of Neff massless); "
        "included in Om0."
    ),
    backfill=True,
)
OK0 = ParamSpec(
    "Ok0",
    0.0,
    (-0.3, 0.3),
    optimizable=False,
    label="Omega_k",
    doc="Spatial curvature density today; dark energy closes the budget.",
    backfill=True,
)

COMMON_PARAMS: tuple[ParamSpec, ...] = (H0, OM0, OBH2, NS, NEFF, TCMB, MNU)
