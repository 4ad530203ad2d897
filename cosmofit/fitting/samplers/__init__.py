"""Sampler backends: thin adapters over well-kept libraries (emcee, nautilus).

``emcee`` runs an affine-invariant ensemble in segments that are tasks of the
compute engine; ``nested`` runs nautilus's neural-network nested sampler for
the evidence. Adding a backend is one module here and one entry in
:data:`SAMPLERS`.
"""

from __future__ import annotations

#: ``--sampler`` name -> module (imported only when used).
SAMPLERS = {
    "emcee": "cosmofit.fitting.samplers.emcee",
    "nested": "cosmofit.fitting.samplers.nested",
}
