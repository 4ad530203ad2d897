"""Nested sampling with nautilus: posterior samples and the evidence ln Z.

nautilus (neural-network boosted importance nested sampling) is an optional
extra: it brings scikit-learn, which most users of the MCMC path never need
(``pip install 'cosmofit-cli[nested]'``). The priors map the unit cube onto
the parameters (flat or truncated Gaussian), the likelihood is exp(-chi^2/2)
from one ``evaluate_batch`` per batch of points, and points drawn while the
sampler was still exploring are discarded so that ln Z is unbiased.

The error of ln Z is the importance-sampling estimate 1/sqrt(N_eff) (the
relative error of Z). The run happens in this process and is not resumable:
a killed nested run starts again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cosmofit.errors import UsageError
from cosmofit.fitting import chains as chain_files

#: Posterior points below this fraction of the largest weight are left out of the chain.
MIN_WEIGHT = 1e-6
#: Effective sample size the sampler runs to (ln Z error about 1/sqrt of it).
N_EFF = 2000
EXTRA = "pip install 'cosmofit-cli[nested]'"


def require_nautilus() -> Any:
    """The nautilus module, or a one-line error naming the extra to install."""
    try:
        import nautilus
    except ImportError:
        raise UsageError(f"--sampler nested needs the nautilus-sampler package: {EXTRA}") from None
    return nautilus


def run_nested(plan, out_dir: Path, compute, *, on_progress=None):
    """Sample ``plan`` with nautilus; chains, derived values and ln Z like an MCMC run."""
    from cosmofit.fitting.sample import SampleResult, _marginal, _prior_edge_warnings
    from cosmofit.fitting.samplers.posterior import Posterior
    from cosmofit.store.atomic import append_lines

    nautilus = require_nautilus()
    settings = plan.settings
    posterior = Posterior(plan.source, plan.priors, plan.fixed)
    calls = 0

    def log_likelihood(points: np.ndarray):
        nonlocal calls
        points = np.atleast_2d(points)
        calls += len(points)
        _, _, chi2 = posterior.evaluate(points)
        total = chi2.sum(axis=1)
        log_l = np.where(np.isfinite(total), -0.5 * total, -np.inf)
        return (log_l, *chi2.T)

    sampler = nautilus.Sampler(
        plan.priors.from_unit,
        log_likelihood,
        n_dim=len(plan.priors.names),
        n_live=settings.live_points,
        vectorized=True,
        pass_dict=False,
        seed=settings.seed,
    )
    if on_progress is not None:
        on_progress({"steps": 0, "total": None})
    sampler.run(verbose=False, discard_exploration=True, n_eff=N_EFF)
    points, log_w, log_l, blobs = sampler.posterior(return_blobs=True)
    weights = np.exp(log_w - np.max(log_w))
    keep = weights >= MIN_WEIGHT
    points, weights, log_l = points[keep], weights[keep], log_l[keep]
    if blobs.dtype.names is None:  # a single dataset: one plain column
        chi2 = np.asarray(blobs, dtype=float)[keep].reshape(-1, 1)
    else:
        chi2 = np.column_stack([blobs[name][keep] for name in blobs.dtype.names])
    datasets = list(posterior.datasets or [])
    derived_rows = [
        posterior.derived(dict(zip(plan.priors.names, map(float, row), strict=True)))
        for row in points
    ]
    derived_names = list(derived_rows[0]) if derived_rows else []
    derived = np.array([[r[n] for n in derived_names] for r in derived_rows], dtype=float)
    log_post = log_l + plan.priors.log_prior(points)
    rows = chain_files.format_rows(log_post, points, derived, chi2)
    rows = [f"{w:.15g}" + row[row.index(" ") :] for w, row in zip(weights, rows, strict=True)]
    path = chain_files.chain_path(out_dir, 0)
    if path.exists():
        path.unlink()  # a nested run is never resumed: it starts again
    append_lines(path, rows)

    columns = [
        *plan.priors.names,
        *derived_names,
        *(f"chi2__{d}" for d in datasets),
        "chi2",
    ]
    table = np.column_stack([points, derived, chi2, chi2.sum(axis=1)])
    marginals = {n: _marginal(table[:, j], weights) for j, n in enumerate(columns)}
    best = int(np.argmax(log_post))
    n_eff = float(sampler.n_eff)
    log_z = float(sampler.log_z)
    error = 1.0 / np.sqrt(n_eff) if n_eff > 0 else None
    if on_progress is not None:
        on_progress({"steps": calls, "total": calls, "log_z": log_z})
    return SampleResult(
        run_id="",
        model=plan.source.model,
        datasets=list(plan.source.datasets),
        dataset_tag=plan.dataset_tag,
        sampler="nested",
        sampled=list(plan.priors.names),
        fixed=plan.fixed,
        priors={p.name: p.describe() for p in plan.priors.priors},
        start="nested sampling draws from the prior (no start point)",
        chains=1,
        walkers=settings.live_points,
        steps=0,
        burn_in=0,
        samples=int(points.shape[0]),
        converged=True,
        convergence=f"nested sampling finished: N_eff = {n_eff:.0f}, ln Z error {error:.3f}",
        ess={n: n_eff for n in plan.priors.names},
        marginals=marginals,
        best_sample={
            "minus_log_post": float(-log_post[best]),
            **{n: float(v) for n, v in zip(columns, table[best], strict=True)},
        },
        log_z=log_z,
        log_z_error=error,
        evaluations=calls,
        scheduler="this process (nautilus)",
        out_dir=str(out_dir),
        warnings=_prior_edge_warnings(plan, marginals),
    )
