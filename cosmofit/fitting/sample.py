"""Posterior sampling of a model on datasets: priors + likelihood -> chains + summary + record.

The MCMC path (``emcee``) runs ``chains`` independent ensembles. Each round
advances every chain by one segment, one task per chain on the compute engine
(:mod:`cosmofit.fitting.samplers.emcee`); the rows of a finished segment are
appended to ``chain_N.txt`` and then its end state to ``state.jsonl``, both
synced. A resumed run reads the states back, cuts every chain file to the rows
its last recorded state covers and continues: the chains end bit-for-bit as
an uninterrupted run with the same seed would. After each round the
convergence diagnostics (:mod:`cosmofit.fitting.diagnostics`) decide whether
an ``--until-converged`` run stops.

The nested path (``nested``) hands the same priors and likelihood to nautilus
for posterior samples and the evidence.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cosmofit.errors import OptimizationError, UsageError
from cosmofit.fitting import chains as chain_files
from cosmofit.fitting import diagnostics
from cosmofit.fitting.priors import PriorSet, build_priors

#: Steps per segment: the most work a kill can lose, and the rhythm of the diagnostics.
SEGMENT_STEPS = 50
#: Walker start spread, in units of the start's 1-sigma errors.
START_SPREAD = 0.5
#: Start spread of a parameter without an error estimate, as a fraction of its prior range.
START_SPREAD_UNCONSTRAINED = 0.05
#: The most steps an ``--until-converged`` run takes before it stops unconverged.
MAX_STEPS = 20000
STATE_FILE = "state.jsonl"
RUN_FILE = "run.json"

#: ``on_progress(info)``: a dict with steps, r_minus_one, ess (None until measurable).
SampleProgress = Callable[[dict[str, Any]], None]


class SampleSettings(BaseModel):
    """``cosmofit sample``'s flags and configuration, validated."""

    model_config = ConfigDict(extra="forbid")

    datasets: list[str]
    model: str = "lcdm"
    params: list[str] | None = None
    overrides: dict[str, float] = Field(default_factory=dict)
    priors: list[str] = Field(default_factory=list)  # --prior texts
    configured_priors: dict[str, Any] = Field(default_factory=dict)  # [priors.<model>]
    sampler: Literal["emcee", "nested"] = "emcee"
    chains: int = Field(default=4, ge=2)
    walkers: int | None = Field(default=None, ge=4)
    steps: int | None = Field(default=None, ge=1)
    until_converged: bool = False
    target_r_minus_one: float = Field(default=0.01, gt=0)
    min_ess: float = Field(default=400.0, ge=0)
    max_steps: int = Field(default=MAX_STEPS, ge=1)
    segment: int = Field(default=SEGMENT_STEPS, ge=1)
    live_points: int = Field(default=1000, ge=50)
    seed: int = Field(default=0, ge=0)
    cov_scale: float = Field(default=1.0, gt=0)
    use_store: bool = True
    store: str | None = None
    dry_run: bool = False

    def for_record(self) -> dict[str, Any]:
        return self.model_dump(exclude={"store", "dry_run"})


class Marginal(BaseModel):
    """The 1-D marginal of one column: mean, sigma and equal-tail credible limits."""

    mean: float
    sigma: float
    lower68: float
    upper68: float
    lower95: float
    upper95: float


class SampleResult(BaseModel):
    """Everything a sampling run produced; ``--json`` prints it, ``summary.json`` stores it."""

    run_id: str
    model: str
    datasets: list[str]
    dataset_tag: str
    sampler: str
    sampled: list[str]
    fixed: dict[str, float]
    priors: dict[str, str]
    start: str
    chains: int
    walkers: int
    steps: int
    burn_in: int
    samples: int
    converged: bool
    convergence: str
    r_minus_one: dict[str, float | None] = Field(default_factory=dict)
    tau: dict[str, float | None] = Field(default_factory=dict)
    ess: dict[str, float | None] = Field(default_factory=dict)
    acceptance: float | None = None
    marginals: dict[str, Marginal] = Field(default_factory=dict)
    best_sample: dict[str, float] = Field(default_factory=dict)
    log_z: float | None = None
    log_z_error: float | None = None
    evaluations: int = 0
    resumed_segments: int = 0
    scheduler: str = ""
    out_dir: str | None = None
    wall_s: float = 0.0
    stored: bool = False
    dry_run: bool = False
    warnings: list[str] = Field(default_factory=list)


# -- the plan ---------------------------------------------------------------------------------
class SamplePlan(BaseModel):
    """What will be sampled and from where; fixed at the first start of a run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: SampleSettings
    source: Any  # CosmologySource
    priors: Any  # PriorSet
    fixed: dict[str, float]
    dataset_tag: str
    center: dict[str, float]
    errors: dict[str, float]
    start: str
    walkers: int


def plan_sampling(settings: SampleSettings) -> SamplePlan:
    """Check the request, build the priors and find the start (store or short fit)."""
    from cosmofit.compute.objectives import CosmologySource
    from cosmofit.data.registry import resolve_datasets
    from cosmofit.fitting.classify import classify
    from cosmofit.fitting.run import dataset_tag
    from cosmofit.models.registry import get_model

    model = get_model(settings.model)
    names = classify(model, settings.params).optimized
    model.check_names(settings.overrides)
    clash = [n for n in names if n in settings.overrides]
    if clash:
        raise UsageError(
            f"{clash[0]} is sampled; drop --set {clash[0]}=... or leave it out of --params"
        )
    if settings.sampler == "emcee" and not settings.dry_run:
        if settings.steps is None and not settings.until_converged:
            raise UsageError("say how long to sample: --steps S or --until-converged")
        if settings.steps is not None and settings.until_converged:
            raise UsageError("--steps and --until-converged exclude each other; choose one")
    if settings.sampler == "nested":
        from cosmofit.fitting.samplers.nested import require_nautilus

        require_nautilus()  # before any work: a missing extra is a one-line error
    priors = build_priors(model, names, settings.configured_priors, settings.priors)
    fixed = {n: v for n, v in model.complete(settings.overrides).items() if n not in names}
    specs = resolve_datasets(settings.datasets)
    datasets = tuple(s.name for s in specs)
    source = CosmologySource(datasets, model.name, settings.cov_scale)
    walkers = settings.walkers or max(16, 4 * len(names))
    walkers += walkers % 2
    if walkers < 2 * len(names):
        raise UsageError(
            f"--walkers {walkers} is too few for {len(names)} parameters; use at least "
            f"{2 * len(names)}"
        )
    plan = SamplePlan(
        settings=settings,
        source=source,
        priors=priors,
        fixed=fixed,
        dataset_tag=dataset_tag(specs),
        center={},
        errors={},
        start="",
        walkers=walkers,
    )
    return plan


def find_start(plan: SamplePlan) -> None:
    """The stored best fit and its errors when the store has a matching one, else a short fit."""
    settings = plan.settings
    if settings.sampler == "nested":
        plan.start = "nested sampling draws from the prior (no start point)"
        return
    names = list(plan.priors.names)
    if settings.use_store:
        found = _stored_start(plan, names)
        if found is not None:
            plan.center, plan.errors, plan.start = found
            return
    plan.center, plan.errors = _short_fit(plan)
    plan.start = "short optimization (no stored best fit of these parameters on these data)"


def _stored_start(plan: SamplePlan, names: list[str]):
    from cosmofit.store.store import OptimizedParameterStore

    store = OptimizedParameterStore(plan.settings.store, read_only=True)
    for record in reversed(store.get_optimization_history(plan.source.model)):
        if record.kind != "optimization" or not record.converged:
            continue
        if record.dataset_tag != plan.dataset_tag or record.cov_scale != plan.settings.cov_scale:
            continue
        if not set(names) <= set(record.optimized):
            continue
        same_fixed = all(
            math.isclose(record.final.get(n, math.nan), v, rel_tol=1e-12)
            for n, v in plan.fixed.items()
        )
        center = {n: record.final[n] for n in names}
        inside = all(p.low <= center[p.name] <= p.high for p in plan.priors.priors)
        if same_fixed and inside:
            errors = {
                n: record.errors[n] for n in names if math.isfinite(record.errors.get(n, math.nan))
            }
            return center, errors, f"stored best fit {record.run_id} and its Hessian errors"
    return None


def _short_fit(plan: SamplePlan) -> tuple[dict[str, float], dict[str, float]]:
    """Maximise the posterior (chi^2 - 2 log prior) inside the prior ranges."""
    from cosmofit.compute.objectives import objective_for
    from cosmofit.fitting.hessian import estimate_errors
    from cosmofit.fitting.optimizer import ParameterOptimizer
    from cosmofit.models.registry import get_model

    model = get_model(plan.source.model)
    priors: PriorSet = plan.priors
    specs = []
    for prior in priors.priors:
        spec = model.spec(prior.name)
        default = min(max(spec.default, prior.low), prior.high)
        if prior.gaussian:
            default = min(max(prior.mean, prior.low), prior.high)
        specs.append(replace(spec, bounds=(prior.low, prior.high), default=default, scale="linear"))
    objective = objective_for(plan.source)

    def minus_two_log_post(params: Mapping[str, float]) -> float:
        row = np.array([[params[n] for n in priors.names]])
        return objective.chi2(params) - 2.0 * float(priors.log_prior(row)[0])

    optimizer = ParameterOptimizer(
        minus_two_log_post, specs, plan.fixed, starts=2, seed=plan.settings.seed
    )
    outcome = optimizer.run({s.name: s.default for s in specs})
    errors = estimate_errors(
        optimizer.chi2_at, outcome.u_best, optimizer.space.specs, dict(outcome.best)
    )
    return dict(outcome.best), dict(errors.errors)


def initial_coords(plan: SamplePlan, chain: int) -> np.ndarray:
    """Walkers of one chain around the start, inside the prior (seeded by seed and chain)."""
    priors: PriorSet = plan.priors
    rng = np.random.default_rng(np.random.SeedSequence([plan.settings.seed, chain, 0]))
    center = np.array([plan.center[n] for n in priors.names])
    spread = np.array(
        [
            START_SPREAD * plan.errors[p.name]
            if p.name in plan.errors
            else START_SPREAD_UNCONSTRAINED * (p.high - p.low)
            for p in priors.priors
        ]
    )
    low = np.array([p.low for p in priors.priors])
    high = np.array([p.high for p in priors.priors])
    coords = center + spread * rng.standard_normal((plan.walkers, center.size))
    for _ in range(100):
        outside = np.any((coords <= low) | (coords >= high), axis=1)
        if not outside.any():
            break
        coords[outside] = center + spread * rng.standard_normal((int(outside.sum()), center.size))
    return np.clip(coords, low + 1e-9 * (high - low), high - 1e-9 * (high - low))


# -- the run directory ------------------------------------------------------------------------
def _identity(plan: SamplePlan) -> dict[str, Any]:
    """What must not change between a run and its resumption."""
    s = plan.settings
    return {
        "model": plan.source.model,
        "datasets": list(plan.source.datasets),
        "cov_scale": s.cov_scale,
        "sampler": s.sampler,
        "sampled": list(plan.priors.names),
        "priors": plan.priors.as_dict(),
        "fixed": plan.fixed,
        "chains": s.chains,
        "walkers": plan.walkers,
        "seed": s.seed,
        "live_points": s.live_points,
    }


def open_run_directory(plan: SamplePlan, out_dir: Path, *, resume: bool) -> None:
    """Create the run directory (``run.json`` holds the plan) or check the one resumed."""
    from cosmofit.store.atomic import atomic_write_text

    run_file = out_dir / RUN_FILE
    if resume:
        if not run_file.is_file():
            raise UsageError(f"nothing to resume: {run_file} does not exist; check --out")
        try:
            saved = json.loads(run_file.read_text())
        except ValueError:
            raise UsageError(
                f"{run_file} is not valid JSON; start a new run with another --out"
            ) from None
        mine = json.loads(json.dumps(_identity(plan)))
        changed = [k for k in mine if saved.get("identity", {}).get(k) != mine[k]]
        if changed:
            raise UsageError(
                f"--resume: {changed[0]} differs from the run in {out_dir}; use the same "
                "settings (only --steps/--until-converged may change) or another --out"
            )
        plan.center = saved["center"]
        plan.errors = saved["errors"]
        plan.start = saved["start"]
        return
    if run_file.exists() or (out_dir / STATE_FILE).exists():
        raise UsageError(
            f"{out_dir} already holds a sampling run; add --resume to continue it, or choose "
            "another --out"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "identity": _identity(plan),
        "center": plan.center,
        "errors": plan.errors,
        "start": plan.start,
    }
    atomic_write_text(run_file, json.dumps(document, indent=2) + "\n")


class _Chains:
    """The rows of every chain so far, and the state each chain continues from."""

    def __init__(self, plan: SamplePlan, out_dir: Path):
        from cosmofit.fitting.samplers.emcee import initial_state

        self.plan = plan
        self.out_dir = out_dir
        n = plan.settings.chains
        self.states = [
            initial_state(initial_coords(plan, c), [plan.settings.seed, c, 1]) for c in range(n)
        ]
        self.segments = [0] * n
        self.steps = [0] * n
        self.rows: list[list[np.ndarray]] = [[] for _ in range(n)]  # per segment: steps x cols
        self.accepted = [0] * n
        self.evaluations = 0
        self.datasets: list[str] | None = None
        self.derived: list[str] | None = None
        self.resumed = 0

    def resume(self) -> None:
        """Read ``state.jsonl`` and the chain files back; cut what no state covers."""
        from cosmofit.fitting.samplers.emcee import ChainState

        recorded: dict[int, dict[int, dict[str, Any]]] = {}
        path = self.out_dir / STATE_FILE
        if path.exists():
            lines = path.read_bytes().split(b"\n")
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    if number == len(lines):
                        continue  # an interrupted write: its segment is recomputed
                    raise UsageError(
                        f"{path} line {number} is damaged; delete it and the lines after it "
                        "to recompute those segments"
                    ) from None
                recorded.setdefault(entry["chain"], {})[entry["segment"]] = entry
        for c in range(self.plan.settings.chains):
            mine = recorded.get(c, {})
            complete = chain_files.complete_rows(chain_files.chain_path(self.out_dir, c))
            done, steps, walkers = 0, 0, self.plan.walkers
            while done in mine and (steps + mine[done]["steps"]) * walkers <= complete:
                steps += mine[done]["steps"]
                done += 1
            file = chain_files.chain_path(self.out_dir, c)
            if file.exists():
                chain_files.truncate_rows(file, steps * walkers)
            if done:
                last = mine[done - 1]
                self.states[c] = ChainState.from_json(last["state"])
                self.accepted[c] = sum(mine[k]["accepted"] for k in range(done))
                self.evaluations += sum(mine[k]["evaluations"] for k in range(done))
                self.datasets, self.derived = last["datasets"], last["derived"]
                table = chain_files.read_chain(file)
                self.rows[c].append(table.reshape(steps, walkers, -1))
            self.segments[c], self.steps[c] = done, steps
            self.resumed += done

    def record(self, chain: int, result) -> None:
        """Append a finished segment: rows first, then the state that follows them."""
        from cosmofit.store.atomic import append_line

        steps, walkers, _ = result.coords.shape
        flat = steps * walkers
        rows = chain_files.format_rows(
            result.log_post.reshape(flat),
            result.coords.reshape(flat, -1),
            result.derived.reshape(flat, -1),
            result.chi2.reshape(flat, -1),
        )
        from cosmofit.store.atomic import append_lines

        append_lines(chain_files.chain_path(self.out_dir, chain), rows)
        entry = {
            "chain": chain,
            "segment": self.segments[chain],
            "steps": steps,
            "digest": result.digest,
            "accepted": result.accepted,
            "evaluations": result.evaluations,
            "wall_s": result.wall_s,
            "worker": result.worker,
            "datasets": result.datasets,
            "derived": result.derived_names,
            "state": result.state.as_json(),
        }
        append_line(self.out_dir / STATE_FILE, json.dumps(entry, separators=(",", ":")))
        table = np.array([[float(x) for x in r.split()] for r in rows])
        self.rows[chain].append(table.reshape(steps, walkers, -1))
        self.segments[chain] += 1
        self.steps[chain] += steps
        self.accepted[chain] += result.accepted
        self.evaluations += result.evaluations
        self.datasets, self.derived = result.datasets, result.derived_names
        self.states[chain] = result.state

    def arrays(self) -> list[np.ndarray]:
        """Every chain as steps x walkers x columns (only when all have the same length)."""
        return [np.concatenate(r, axis=0) for r in self.rows]


# -- running ----------------------------------------------------------------------------------
def run_sampling(
    settings: SampleSettings,
    compute=None,
    *,
    on_progress: SampleProgress | None = None,
) -> SampleResult:
    """Sample the posterior of ``settings``; see the module docstring."""
    from cosmofit.compute.blas import pin_process_blas
    from cosmofit.compute.engine import ComputeOptions
    from cosmofit.provenance import utc_now
    from cosmofit.store.schema import new_run_id

    # Every likelihood this process builds (for the start, or for segments run here)
    # must factor its covariances with the one BLAS thread the workers use: a factor
    # computed with two threads differs in the last bits, and so would the chains.
    pin_process_blas()
    t0 = time.perf_counter()
    started = utc_now()
    compute = compute or ComputeOptions(scheduler="none")
    plan = plan_sampling(settings)
    out_dir = Path(compute.out_dir) if compute.out_dir is not None else None
    if settings.dry_run:
        if not compute.resume:
            find_start(plan)
        return _dry_result(plan, out_dir)
    if out_dir is None:
        raise UsageError("a sampling run needs a run directory (--out DIR)")
    if compute.resume:
        open_run_directory(plan, out_dir, resume=True)
    else:
        if (out_dir / RUN_FILE).exists() or (out_dir / STATE_FILE).exists():
            open_run_directory(plan, out_dir, resume=False)  # raises: refuse to overwrite
        find_start(plan)
        open_run_directory(plan, out_dir, resume=False)
    from cosmofit.store.atomic import model_lock

    with model_lock(out_dir, "sample", 1.0):
        if settings.sampler == "nested":
            from cosmofit.fitting.samplers.nested import run_nested

            result = run_nested(plan, out_dir, compute, on_progress=on_progress)
        else:
            result = _run_mcmc(plan, out_dir, compute, on_progress)
        result.run_id = new_run_id()
        result.wall_s = time.perf_counter() - t0
        _finish(plan, result, out_dir, started)
    return result


def _run_mcmc(plan: SamplePlan, out_dir: Path, compute, on_progress) -> SampleResult:
    from cosmofit.compute.engine import Engine, RunInterrupted
    from cosmofit.compute.tasks import TaskResult
    from cosmofit.fitting.samplers.emcee import SegmentTask

    settings = plan.settings
    chains = _Chains(plan, out_dir)
    if compute.resume:
        chains.resume()
    engine_options = compute.model_copy(update={"out_dir": None, "resume": False})
    fixed = tuple(sorted(plan.fixed.items()))
    report = _Report(plan)
    try:
        with Engine(engine_options, planned_tasks=settings.chains * 2) as engine:
            while True:
                level = min(chains.steps)
                if level == max(chains.steps):
                    report.update(chains)
                    if on_progress is not None:
                        on_progress(report.progress(chains))
                    if report.done(chains):
                        break
                behind = [c for c in range(settings.chains) if chains.steps[c] == level]
                steps = settings.segment
                if settings.steps is not None:
                    steps = min(steps, settings.steps - level)
                tasks = [
                    SegmentTask(
                        key=f"chain{c + 1}/segment{chains.segments[c] + 1}",
                        source=plan.source,
                        priors=plan.priors,
                        fixed=fixed,
                        state=chains.states[c],
                        steps=steps,
                    )
                    for c in behind
                ]
                for result in engine.stream(tasks):
                    chain = int(result.key.split("/")[0].removeprefix("chain")) - 1
                    if isinstance(result, TaskResult):  # the engine's record of a lost task
                        raise OptimizationError(f"segment {result.key} failed: {result.message}")
                    chains.record(chain, result)
            scheduler = engine.description
    except RunInterrupted:
        raise RunInterrupted(
            f"interrupted; {sum(chains.segments)} segments are recorded in {out_dir}",
            out_dir=out_dir,
        ) from None
    return report.result(chains, scheduler)


class _Report:
    """Diagnostics after each round and the final summary of an MCMC run."""

    def __init__(self, plan: SamplePlan):
        self.plan = plan
        self.d = len(plan.priors.names)
        self.burn = 0
        self.r_minus_one = np.full(self.d, np.nan)
        self.tau = np.full(self.d, np.nan)
        self.ess = np.full(self.d, np.nan)
        self.steps = 0

    def update(self, chains: _Chains) -> None:
        self.steps = chains.steps[0]
        if self.steps < 4:
            return
        walks = [a[:, :, 2 : 2 + self.d] for a in chains.arrays()]
        self.burn = diagnostics.burn_in_steps(walks)
        kept = [w[self.burn :] for w in walks]
        self.r_minus_one = diagnostics.gelman_rubin([k.reshape(-1, self.d) for k in kept])
        self.tau = diagnostics.ensemble_tau(kept)
        self.ess = diagnostics.effective_sample_size(
            self.steps - self.burn, self.plan.walkers, len(walks), self.tau
        )

    def converged(self) -> bool:
        s = self.plan.settings
        return bool(
            np.all(np.isfinite(self.r_minus_one))
            and np.max(self.r_minus_one) < s.target_r_minus_one
            and np.nanmin(self.ess) >= s.min_ess
        )

    def done(self, chains: _Chains) -> bool:
        s = self.plan.settings
        if s.steps is not None:
            return self.steps >= s.steps
        return self.converged() or self.steps >= s.max_steps

    def progress(self, chains: _Chains) -> dict[str, Any]:
        s = self.plan.settings
        finite = np.isfinite(self.r_minus_one)
        return {
            "steps": self.steps,
            "total": s.steps if s.steps is not None else None,
            "r_minus_one": float(np.max(self.r_minus_one)) if finite.all() else None,
            "ess": float(np.nanmin(self.ess)) if np.isfinite(self.ess).any() else None,
        }

    def convergence(self) -> tuple[bool, str]:
        s = self.plan.settings
        worst = float(np.max(self.r_minus_one)) if np.isfinite(self.r_minus_one).all() else None
        ess = float(np.nanmin(self.ess)) if np.isfinite(self.ess).any() else None
        ok = self.converged()
        shown = f"R-1 = {worst:.4f}" if worst is not None else "R-1 not measurable"
        shown += f", ESS = {ess:.0f}" if ess is not None else ""
        target = f"(target R-1 < {s.target_r_minus_one:g}, ESS >= {s.min_ess:g})"
        if ok:
            return True, f"converged: {shown} {target}"
        return False, (
            f"NOT converged: {shown} {target}; run longer with --resume --steps N or "
            "--until-converged"
        )

    def result(self, chains: _Chains, scheduler: str) -> SampleResult:
        plan, s = self.plan, self.plan.settings
        arrays = chains.arrays()
        kept = np.concatenate([a[self.burn :].reshape(-1, a.shape[2]) for a in arrays])
        columns = _column_names(plan, chains)
        # kept columns: weight, then the named ones
        marginals = {name: _marginal(kept[:, j + 2]) for j, name in enumerate(columns[1:])}
        best = kept[int(np.argmin(kept[:, 1]))]
        converged, text = self.convergence()
        names = plan.priors.names
        proposals = max(1, sum(chains.steps) * plan.walkers)
        warnings = [] if converged else [text]
        warnings += _prior_edge_warnings(plan, marginals)
        return SampleResult(
            run_id="",
            model=plan.source.model,
            datasets=list(plan.source.datasets),
            dataset_tag=plan.dataset_tag,
            sampler="emcee",
            sampled=list(names),
            fixed=plan.fixed,
            priors={p.name: p.describe() for p in plan.priors.priors},
            start=plan.start,
            chains=s.chains,
            walkers=plan.walkers,
            steps=self.steps,
            burn_in=self.burn,
            samples=int(kept.shape[0]),
            converged=converged,
            convergence=text,
            r_minus_one=_by_name(names, self.r_minus_one),
            tau=_by_name(names, self.tau),
            ess=_by_name(names, self.ess),
            acceptance=sum(chains.accepted) / proposals,
            marginals=marginals,
            best_sample=dict(zip(columns, map(float, best[1:]), strict=True)),
            evaluations=chains.evaluations,
            resumed_segments=chains.resumed,
            scheduler=scheduler,
            out_dir=str(chains.out_dir),
            warnings=warnings,
        )


def _column_names(plan: SamplePlan, chains) -> list[str]:
    """Names of the chain columns after the weight: -log posterior, params, derived, chi2."""
    datasets = chains.datasets or []
    return [
        "minus_log_post",
        *plan.priors.names,
        *(chains.derived or []),
        *(f"chi2__{d}" for d in datasets),
        "chi2",
    ]


def _marginal(values: np.ndarray, weights: np.ndarray | None = None) -> Marginal:
    finite = np.isfinite(values)
    values = values[finite]
    weights = np.ones_like(values) if weights is None else weights[finite]
    weights = weights / weights.sum()
    mean = float(np.sum(weights * values))
    sigma = float(np.sqrt(np.sum(weights * (values - mean) ** 2)))
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    cdf = (cdf - 0.5 * weights[order]) / cdf[-1]

    def quantile(q: float) -> float:
        return float(np.interp(q, cdf, values[order]))

    return Marginal(
        mean=mean,
        sigma=sigma,
        lower68=quantile(0.158655),
        upper68=quantile(0.841345),
        lower95=quantile(0.02275),
        upper95=quantile(0.97725),
    )


def _prior_edge_warnings(plan: SamplePlan, marginals: Mapping[str, Marginal]) -> list[str]:
    """A marginal that reaches its prior edge is bounded by the prior, not by the data."""
    out = []
    for p in plan.priors.priors:
        m = marginals.get(p.name)
        if m is None:
            continue
        width = p.high - p.low
        for side, limit, edge in (("lower", m.lower95, p.low), ("upper", m.upper95, p.high)):
            if abs(limit - edge) < 0.02 * width:
                out.append(
                    f"the posterior of {p.name} reaches its {side} prior edge {edge:g}: its "
                    "limits there reflect the prior, not the data"
                )
    return out


def _by_name(names: Sequence[str], values: np.ndarray) -> dict[str, float | None]:
    return {n: (float(v) if np.isfinite(v) else None) for n, v in zip(names, values, strict=True)}


def _dry_result(plan: SamplePlan, out_dir: Path | None) -> SampleResult:
    s = plan.settings
    return SampleResult(
        run_id="",
        model=plan.source.model,
        datasets=list(plan.source.datasets),
        dataset_tag=plan.dataset_tag,
        sampler=s.sampler,
        sampled=list(plan.priors.names),
        fixed=plan.fixed,
        priors={p.name: p.describe() for p in plan.priors.priors},
        start=plan.start or "from the run directory",
        chains=s.chains,
        walkers=plan.walkers,
        steps=s.steps or 0,
        burn_in=0,
        samples=0,
        converged=False,
        convergence="dry run: nothing sampled",
        out_dir=str(out_dir) if out_dir is not None else None,
        dry_run=True,
    )


def _finish(plan: SamplePlan, result: SampleResult, out_dir: Path, started: str) -> None:
    """GetDist metadata, ``summary.json`` and the store record of kind "sample"."""
    from cosmofit.compute.journal import write_run_report
    from cosmofit.provenance import git_commit, settings_hash, software_versions, utc_now
    from cosmofit.store.samples import SAMPLE_SUMMARY, SampleRecord, append_sample_record
    from cosmofit.store.store import resolve_store_root

    s = plan.settings
    datasets = list(plan.source.datasets)
    derived = [
        n for n in result.marginals if n not in plan.priors.names and not n.startswith("chi2")
    ]
    chain_files.write_metadata(
        out_dir,
        params=plan.priors.names,
        derived=derived,
        datasets=datasets,
        ranges={p.name: (p.low, p.high) for p in plan.priors.priors},
        ignore_rows=result.burn_in * plan.walkers if result.sampler == "emcee" else 0,
        sampler="mcmc" if result.sampler == "emcee" else "nested",
        label=f"{plan.source.model} {plan.dataset_tag}",
    )
    write_run_report(out_dir, SAMPLE_SUMMARY, result)
    from cosmofit.data.registry import resolve_datasets

    hashes = {spec.name: spec.sha256 for spec in resolve_datasets(datasets)}
    record = SampleRecord(
        run_id=result.run_id,
        model=plan.source.model,
        dataset_tag=plan.dataset_tag,
        datasets=datasets,
        timestamp=utc_now(),
        sampler=result.sampler,
        sampled=list(plan.priors.names),
        priors=plan.priors.as_dict(),
        converged=result.converged,
        r_minus_one=max((v for v in result.r_minus_one.values() if v is not None), default=None),
        ess=min((v for v in result.ess.values() if v is not None), default=None),
        log_z=result.log_z,
        log_z_error=result.log_z_error,
        mean={n: m.mean for n, m in result.marginals.items() if n in plan.priors.names},
        sigma={n: m.sigma for n, m in result.marginals.items() if n in plan.priors.names},
        chi2_best=result.best_sample.get("chi2"),
        samples=result.samples,
        wall_s=result.wall_s,
        directory=str(out_dir),
        settings=s.for_record(),
        provenance={
            "versions": {**software_versions(), **_sampler_versions()},
            "git_commit": git_commit(),
            "datasets": hashes,
            "settings_hash": settings_hash(s.for_record()),
            "seed": s.seed,
            "started": started,
            "finished": utc_now(),
            "start": plan.start,
            "center": plan.center,
        },
    )
    append_sample_record(resolve_store_root(s.store), record)
    result.stored = True
    write_run_report(out_dir, SAMPLE_SUMMARY, result)


def _sampler_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("emcee", "nautilus-sampler", "getdist"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out
