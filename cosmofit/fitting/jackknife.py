"""Jackknife: refit with each dataset, or each CMB/BAO data point, left out.

Each refit is reported as the shift of every parameter in units of the
combined Hessian 1-sigma of the two fits, sqrt(sigma_full^2 + sigma_refit^2);
shifts beyond :data:`FLAG_SIGMAS` are flagged, since one dataset or one point
should not move a consistent fit that far. A refit that leaves a parameter on
a bound or unconstrained (leaving the CMB out: H0 and Obh2 slide along the
BAO valley) has no sigma for it: the shift is marked as such, never turned
into hundreds of sigma.

Leaving out one point of a Gaussian dataset is the same likelihood on the
remaining sub-vector with the *marginal* covariance, which for a Gaussian is
simply the covariance with that row and column removed
(:class:`MarginalLikelihood`). Supernova points are not left out one by one:
each of ~1600 SNe moves the fit by a tiny fraction of a sigma, a refit per
SN would cost 1600 fits, and the analytic marginalisation over the magnitude
offset M couples every SN to all others; leave the SN dataset out as a whole
with ``--by dataset`` instead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cosmofit.compute.engine import ComputeOptions, Engine
from cosmofit.compute.fits import FitBatches, ProgressCallback, hessian_errors, lowest, unit_spread
from cosmofit.compute.journal import write_run_report
from cosmofit.compute.objectives import CosmologySource, objective_for
from cosmofit.compute.tasks import TaskResult
from cosmofit.errors import OptimizationError, UsageError
from cosmofit.fitting.optimizer import ScaledSpace
from cosmofit.likelihoods.base import Likelihood
from cosmofit.likelihoods.gaussian import GaussianCovariance
from cosmofit.limits import MAX_SEED, MAX_STARTS
from cosmofit.models.params import ParamSpec
from cosmofit.physics.background import Background

#: Shifts beyond this many sigma of the full fit are flagged.
FLAG_SIGMAS = 2.0
#: Dataset kinds whose points can be left out one by one.
POINTWISE_KINDS = ("cmb", "bao")
JACKKNIFE_FILE = "jackknife.json"


class MarginalLikelihood(Likelihood):
    """A Gaussian likelihood restricted to some of its points, with their marginal covariance."""

    def __init__(self, parent: Likelihood, keep: Sequence[int]):
        super().__init__(parent.name, parent.data, cov_scale=parent.cov_scale)
        self.kind = parent.kind
        self.parent = parent
        self.keep = np.asarray(keep, dtype=int)
        self.values = np.asarray(parent.values)[self.keep]
        cov = np.asarray(parent.data.cov, dtype=float)[np.ix_(self.keep, self.keep)]
        self.covariance = GaussianCovariance(cov, source=parent.name, cov_scale=parent.cov_scale)

    @property
    def n_data(self) -> int:
        return int(self.keep.size)

    @property
    def plans(self):
        return self.parent.plans

    def chi2_points(self, bg: Background) -> np.ndarray:
        return self.covariance.chi2_rows(self.values - self.parent.theory(bg)[..., self.keep])


@dataclass(frozen=True)
class PointLeftOut:
    """Objective source: ``base`` with point ``index`` of dataset ``dataset`` left out."""

    base: CosmologySource
    dataset: str
    index: int

    @property
    def label(self) -> str:
        return f"{self.base.label} without {self.dataset}[{self.index}]"

    def specs(self) -> tuple[ParamSpec, ...]:
        return self.base.specs()

    def build(self):
        likelihood = self.base.build()
        for k, component in enumerate(likelihood.components):
            if component.name == self.dataset:
                keep = [j for j in range(component.n_data) if j != self.index]
                likelihood.components[k] = MarginalLikelihood(component, keep)
                return likelihood
        raise UsageError(f"{self.dataset} is not one of {', '.join(likelihood.datasets)}")


class JackknifeSettings(BaseModel):
    """``cosmofit jackknife``'s flags."""

    model_config = ConfigDict(extra="forbid")

    datasets: list[str]
    model: str = "lcdm"
    by: Literal["dataset", "point"] = "dataset"
    optimize: list[str] | None = None
    overrides: dict[str, float] = Field(default_factory=dict)
    starts: int = Field(default=1, ge=1, le=MAX_STARTS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    cov_scale: float = Field(default=1.0, gt=0)


class LeaveOut(BaseModel):
    """One refit without some data."""

    label: str
    dataset: str
    point: int | None
    n_data: int
    status: Literal["ok", "failed"]
    reason: str = ""
    chi2: float | None = None
    chi2_at_full_fit: float | None = None
    params: dict[str, float] = Field(default_factory=dict)
    shifts: dict[str, float | None] = Field(default_factory=dict)
    flagged: list[str] = Field(default_factory=list)
    #: Hessian 1-sigma of this refit; a shift is in units of sqrt(sigma_full^2 + sigma_this^2).
    errors: dict[str, float] = Field(default_factory=dict)
    #: Parameters this refit left on a bound or unconstrained: no shift in sigma for them.
    bounds_hit: list[str] = Field(default_factory=list)
    unconstrained: list[str] = Field(default_factory=list)


class JackknifeResult(BaseModel):
    model: str
    datasets: list[str]
    by: str
    optimized: list[str]
    full_fit: dict[str, float]
    full_chi2: float
    errors: dict[str, float]
    leave_outs: list[LeaveOut]
    flagged: list[str]
    notes: list[str]
    warnings: list[str]
    tasks: int
    resumed: int
    scheduler: str
    out_dir: str | None
    wall_s: float


@dataclass(frozen=True)
class _Plan:
    label: str
    dataset: str
    point: int | None
    source: CosmologySource | PointLeftOut


def _plan(
    base: CosmologySource, by: str, components: Sequence[Likelihood]
) -> tuple[list[_Plan], list[str]]:
    notes: list[str] = []
    if by == "dataset":
        if len(components) < 2:
            raise UsageError("--by dataset needs at least two datasets; try --by point")
        plans = [
            _Plan(
                f"without {c.name}",
                c.name,
                None,
                CosmologySource(
                    tuple(d for d in base.datasets if d != c.name), base.model, base.cov_scale
                ),
            )
            for c in components
        ]
        return plans, notes
    plans = []
    for c in components:
        if c.kind not in POINTWISE_KINDS:
            why = (
                "a Gaussian prior is one constraint"
                if c.kind == "prior"
                else "each SN barely moves the fit and M couples them all"
            )
            notes.append(
                f"{c.name}: {c.kind} points are not left out one by one ({why});"
                " use --by dataset to drop it whole"
            )
            continue
        for j in range(c.n_data):
            plans.append(
                _Plan(
                    f"without {c.name}[{j}] {_describe_point(c, j)}",
                    c.name,
                    j,
                    PointLeftOut(base, c.name, j),
                )
            )
    if not plans:
        raise UsageError("no CMB or BAO points to leave out; try --by dataset")
    return plans, notes


def _describe_point(component: Likelihood, j: int) -> str:
    data = component.data
    if hasattr(data, "kinds"):
        return f"{data.kinds[j]} z={float(data.z[j]):g}"
    if hasattr(data, "names"):
        return str(data.names[j])
    return ""


def run_jackknife(
    settings: JackknifeSettings,
    compute: ComputeOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> JackknifeResult:
    """Full fit, Hessian errors, then one refit per left-out dataset or point."""
    from cosmofit.data.registry import resolve_datasets
    from cosmofit.fitting.classify import classify
    from cosmofit.models.registry import get_model

    t0 = time.perf_counter()
    compute = compute or ComputeOptions()
    model = get_model(settings.model)
    optimized = classify(model, settings.optimize).optimized
    optimized = [n for n in optimized if n not in settings.overrides]
    if not optimized:
        raise UsageError("nothing to optimize: every chosen parameter is set with --set")
    start = model.complete(settings.overrides)
    base = CosmologySource(
        tuple(s.name for s in resolve_datasets(settings.datasets)), model.name, settings.cov_scale
    )
    plans, notes = _plan(base, settings.by, objective_for(base).components)
    space = ScaledSpace([model.spec(n) for n in optimized])
    fixed = {n: v for n, v in start.items() if n not in optimized}
    with Engine(compute, planned_tasks=settings.starts * (1 + len(plans))) as engine:
        batches = FitBatches(engine, seed=settings.seed, on_progress=on_progress)
        starts = batches.starts(base, space, start, settings.starts, point=None)
        tasks = [batches.task(f"full/{s}", base, optimized, fixed, u) for s, u in enumerate(starts)]
        full = lowest(batches.run("full fit", tasks).values())
        if full is None:
            raise OptimizationError("the full fit failed from every start; see results.jsonl")
        best = {**start, **full.params}
        errors = hessian_errors(base, space.specs, best)
        spread = unit_spread(space.specs, best, errors.errors)
        tasks = []
        for k, plan in enumerate(plans):
            for s, u0 in enumerate(
                batches.starts(plan.source, space, best, settings.starts, point=k, spread=spread)
            ):
                tasks.append(batches.task(f"leave/{k}/{s}", plan.source, optimized, fixed, u0))
        results = batches.run("leave-outs", tasks)
        scheduler, resumed = engine.description, engine.resumed
    leave_outs = [
        _leave_out(k, plan, results, {**start, **best}, errors.errors, space)
        for k, plan in enumerate(plans)
    ]
    warnings = []
    caveated = [lo.label for lo in leave_outs if lo.bounds_hit or lo.unconstrained]
    if caveated:
        warnings.append(
            f"{len(caveated)} refit(s) ended on a bound or left a parameter unconstrained "
            f"({', '.join(caveated[:5])}{', ...' if len(caveated) > 5 else ''}): those shifts "
            "are marked, not converted into sigma"
        )
    if errors.unconstrained or errors.at_bound:
        without = ", ".join(errors.unconstrained + errors.at_bound)
        warnings.append(f"no Hessian sigma for {without}: their shifts are not reported")
    result = JackknifeResult(
        model=model.name,
        datasets=list(base.datasets),
        by=settings.by,
        optimized=optimized,
        full_fit=best,
        full_chi2=float(full.chi2),
        errors=errors.errors,
        leave_outs=leave_outs,
        flagged=[lo.label for lo in leave_outs if lo.flagged],
        notes=notes,
        warnings=warnings,
        tasks=batches.n_tasks,
        resumed=resumed,
        scheduler=scheduler,
        out_dir=str(compute.out_dir) if compute.out_dir is not None else None,
        wall_s=time.perf_counter() - t0,
    )
    write_run_report(compute.out_dir, JACKKNIFE_FILE, result)
    return result


def _leave_out(
    k: int,
    plan: _Plan,
    results: Mapping[str, TaskResult],
    best: Mapping[str, float],
    errors: Mapping[str, float],
    space: ScaledSpace,
) -> LeaveOut:
    objective = objective_for(plan.source)
    n_data = objective.n_data
    at_full = objective.chi2(best)
    mine = [res for key, res in results.items() if key.split("/")[1] == str(k)]
    found = lowest(mine)
    if found is None:
        reasons = "; ".join(sorted({res.message for res in mine}))
        return LeaveOut(
            label=plan.label,
            dataset=plan.dataset,
            point=plan.point,
            n_data=n_data,
            status="failed",
            reason=reasons,
            chi2_at_full_fit=at_full if math.isfinite(at_full) else None,
        )
    refit = hessian_errors(plan.source, space.specs, {**best, **found.params})
    shifts: dict[str, float | None] = {}
    for name in space.names:
        full_sigma, own_sigma = errors.get(name), refit.errors.get(name)
        if full_sigma is None or own_sigma is None:
            shifts[name] = None
            continue
        combined = math.hypot(full_sigma, own_sigma)
        shifts[name] = (found.params[name] - best[name]) / combined
    flagged = [n for n, v in shifts.items() if v is not None and abs(v) > FLAG_SIGMAS]
    return LeaveOut(
        label=plan.label,
        dataset=plan.dataset,
        point=plan.point,
        n_data=n_data,
        status="ok",
        chi2=found.chi2,
        chi2_at_full_fit=at_full if math.isfinite(at_full) else None,
        params=found.params,
        shifts=shifts,
        flagged=flagged,
        errors=refit.errors,
        bounds_hit=refit.at_bound,
        unconstrained=[n for n in refit.unconstrained if n not in refit.at_bound],
    )
