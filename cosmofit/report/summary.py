"""``reports/optimization_summary.json``: the store's state in one versioned document.

Written after every stored optimization and by ``cosmofit report``; reports
render from it and never recompute, so what a reader sees is what was stored.
Besides the defaults and the last optimization of each model it holds what a
report displays: parameter labels and units, dataset citations, N, k, AIC and
BIC, the model comparison, a chi2 history and the profile likelihoods of the
runs in ``<store>/profiles/`` and, for fits of several models to the same
data, their shared parameters' differences in combined sigma. Non-finite numbers (an unconstrained
parameter's infinite error) are written as ``null`` so the file is strict
JSON that any reader, browsers included, can parse.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cosmofit.jsonsafe import json_safe
from cosmofit.safeio import RUN_REPORT_LIMIT, UnreadableFile, read_json_bounded, short_reason

#: Version 2 added parameters, datasets, comparison, chi2_history and fit criteria;
#: version 3 added profiles and warnings; version 4 replaced the cross-model consistency
#: check by the same-data comparison and covers every registered model; version 5
#: added samples and evidence.
SUMMARY_SCHEMA_VERSION = 5
SUMMARY_NAME = "optimization_summary.json"
RECENT_HISTORY = 10
#: Newest optimizations kept in each model's chi2 history (bounds the file size).
CHI2_HISTORY = 500
#: Dataset plotted for a kind no last optimization used (the registry alias of that kind).
PLOT_FALLBACK = {"cmb": "cmb", "bao": "bao", "sn": "sn"}


def _parameters(model: str) -> list[dict[str, Any]]:
    """Labels, units, bounds and defaults of the model's parameters, in declaration order."""
    from cosmofit.models.registry import get_model

    return [
        {
            "name": p.name,
            "label": p.label or p.name,
            "unit": p.unit,
            "doc": p.doc,
            "default": p.default,
            "bounds": list(p.bounds),
            "scale": p.scale,
            "optimizable": p.optimizable,
            "fixed_only": p.fixed_only,
        }
        for p in get_model(model).params
    ]


def _early_universe(record, facts: dict[str, dict]) -> str | None:
    """The early-universe validity warning of a stored fit (None when it does not apply)."""
    from cosmofit.fitting.validity import early_universe_warning
    from cosmofit.models.registry import get_model

    kinds = [facts[name]["kind"] for name in record.datasets if facts[name]["kind"]]
    return early_universe_warning(get_model(record.model), record.final, kinds)


def _last_optimization(record, facts: dict[str, dict]) -> dict[str, Any]:
    from cosmofit.report.comparison import fit_criteria

    return {
        "run_id": record.run_id,
        "timestamp": record.timestamp,
        "dataset_tag": record.dataset_tag,
        "datasets": record.datasets,
        "chi2": record.chi2,
        "chi2_start": record.chi2_start,
        "chi2_by_dataset": record.chi2_by_dataset,
        "improvement": record.chi2_start - record.chi2,
        "optimized": record.optimized,
        "fixed": record.fixed,
        "frozen": record.frozen,
        "start": {n: record.start[n] for n in record.optimized},
        "final": {n: record.final[n] for n in record.optimized},
        "errors": record.errors,
        "unconstrained": record.unconstrained,
        "bounds_hit": record.bounds_hit,
        "errors_conditional_on": (
            [n for n in record.bounds_hit if n not in record.unconstrained] if record.errors else []
        ),
        "converged": record.converged,
        "early_universe_warning": _early_universe(record, facts),
        "message": record.message,
        "method": record.method,
        "nfev": record.nfev,
        "wall_s": record.wall_s,
        "cov_scale": record.cov_scale,
        "note": record.note,
        "provenance": record.provenance,
        **fit_criteria(record.chi2, record.optimized, record.datasets, facts, record.n_constrained),
    }


def _plot_datasets(lasts: list, facts: dict[str, dict]) -> dict[str, str]:
    """The dataset plotted for each kind: the first one a last optimization used, else the alias."""
    from cosmofit.data.registry import find_dataset

    chosen: dict[str, str] = {}
    for record in lasts:
        for name in record.datasets:
            kind = facts[name]["kind"]
            if kind is not None:
                chosen.setdefault(kind, name)
    for kind, alias in PLOT_FALLBACK.items():
        spec = find_dataset(alias)
        if kind not in chosen and spec is not None:
            chosen[kind] = spec.name
    return {kind: chosen[kind] for kind in PLOT_FALLBACK if kind in chosen}


class StoredProfile(BaseModel):
    """The fields of a run's ``profile.json`` the report shows.

    A subset of :class:`cosmofit.fitting.profile.ProfileResult`, ignoring the
    rest, so files written before or after a field was added still load.
    """

    model_config = ConfigDict(extra="ignore")

    param: str
    objective: str
    model: str | None = None
    datasets: list[str] | None = None
    created: str | None = None
    grid: list[float]
    chi2: list[float | None]
    delta_chi2: list[float | None]
    best: float | None
    interval_1sigma: tuple[float | None, float | None]
    interval_2sigma: tuple[float | None, float | None]
    hessian_sigma: float | None
    failed: list[dict[str, Any]]
    wall_s: float | None

    @model_validator(mode="after")
    def _aligned(self) -> StoredProfile:
        """One chi2 and one delta chi2 per grid value, or the curve is meaningless."""
        if not len(self.grid) == len(self.chi2) == len(self.delta_chi2):
            raise ValueError("grid, chi2 and delta_chi2 differ in length")
        return self


def _problem(error: ValidationError) -> str:
    """The first problem of a validation error, on one line."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def _profiles(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every finished run in ``<root>/profiles`` by directory name, and why others were skipped.

    A broken file costs its own entry and a warning, never the report.
    """
    from cosmofit.store.store import PROFILE_FILE, PROFILE_RUNS

    folder = root / PROFILE_RUNS
    try:
        runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.name)
    except FileNotFoundError:
        return [], []
    except OSError as error:
        return [], [f"cannot list {folder} ({error.strerror or error}); no profiles shown"]
    profiles, warnings = [], []
    for run in runs:
        path = run / PROFILE_FILE
        where = f"{PROFILE_RUNS}/{run.name}/{PROFILE_FILE}"
        try:
            stored = StoredProfile.model_validate(read_json_bounded(path, RUN_REPORT_LIMIT))
        except FileNotFoundError:
            warnings.append(f"{where} is missing: the run is unfinished or was interrupted")
            continue
        except UnreadableFile as error:
            warnings.append(f"skipped {where}: it is {error}")
            continue
        except OSError as error:
            warnings.append(f"skipped {where}: cannot read it ({error.strerror or error})")
            continue
        except ValidationError as error:
            warnings.append(f"skipped {where}: not a profile result ({_problem(error)})")
            continue
        except ValueError as error:
            warnings.append(f"skipped {where}: not a profile result ({short_reason(error)})")
            continue
        profiles.append(
            {
                "run": run.name,
                "param": stored.param,
                "objective": stored.objective,
                "model": stored.model,
                "datasets": stored.datasets,
                "created": stored.created,
                "grid": stored.grid,
                "chi2": stored.chi2,
                "delta_chi2": stored.delta_chi2,
                "best": stored.best,
                "interval_1sigma": list(stored.interval_1sigma),
                "interval_2sigma": list(stored.interval_2sigma),
                "hessian_sigma": stored.hessian_sigma,
                "failed": len(stored.failed),
                "wall_s": stored.wall_s,
            }
        )
    return profiles, warnings


def build_summary(store, models: tuple[str, ...] | None = None) -> dict:
    """Defaults, last optimization and histories per model (every registered one by
    default), the model comparison and the same-data comparison of shared parameters."""
    from cosmofit.models.registry import available_models, get_model
    from cosmofit.report.agreement import same_data_comparison

    models = tuple(models) if models is not None else available_models()
    from cosmofit.provenance import utc_now
    from cosmofit.report.comparison import compare_models, dataset_facts

    histories = {model: store.get_optimization_history(model) for model in models}
    # Records of updates killed before they replaced the document: never the latest run.
    unapplied = {model: store.unapplied_records(model) for model in models}
    applied = {
        model: [r for r in history if r not in unapplied[model]]
        for model, history in histories.items()
    }
    lasts = {
        model: next((r for r in reversed(h) if r.kind == "optimization"), None)
        for model, h in applied.items()
    }
    used = [name for r in lasts.values() if r is not None for name in r.datasets]
    facts = dataset_facts(list(dict.fromkeys(used)))
    plots = _plot_datasets([r for r in lasts.values() if r is not None], facts)
    facts.update(dataset_facts([name for name in plots.values() if name not in facts]))

    per_model = {}
    for model in models:
        history = histories[model]
        last = lasts[model]
        runs = [r for r in applied[model] if r.kind == "optimization" and r.chi2 is not None]
        per_model[model] = {
            "description": get_model(model).description,
            "parameters": _parameters(model),
            "defaults": {
                name: entry.model_dump() for name, entry in store.get_model_defaults(model).items()
            },
            "last_optimization": None if last is None else _last_optimization(last, facts),
            "chi2_history": [
                {
                    "run_id": r.run_id,
                    "timestamp": r.timestamp,
                    "dataset_tag": r.dataset_tag,
                    "chi2": r.chi2,
                }
                for r in runs[-CHI2_HISTORY:]
            ],
            "recent_history": [
                {
                    "run_id": r.run_id,
                    "kind": r.kind,
                    "timestamp": r.timestamp,
                    "dataset_tag": r.dataset_tag,
                    "chi2": r.chi2,
                    "note": r.note,
                    "restored_from": r.restored_from,
                }
                for r in history[-RECENT_HISTORY:]
            ],
        }
    profiles, warnings = _profiles(Path(store.root))
    warnings += [
        f"{model} run {r.run_id} was recorded but never applied to the stored defaults (an "
        "interrupted update); it is not shown as the latest optimization"
        for model in models
        for r in unapplied[model]
    ]
    from cosmofit.report.samples import evidence_table, sample_runs

    samples, sample_warnings = sample_runs(Path(store.root))
    warnings += sample_warnings
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "generated": utc_now(),
        "store": str(store.root),
        "models": per_model,
        "comparison": compare_models({m: per_model[m]["last_optimization"] for m in models}),
        "datasets": facts,
        "plot_datasets": plots,
        "same_data_comparison": same_data_comparison(histories)["tables"],
        "profiles": profiles,
        "samples": samples,
        "evidence": evidence_table(samples),
        "warnings": warnings,
    }
    return json_safe(summary)


def summary_text(summary: dict) -> str:
    """The canonical file content: sorted keys, strict JSON (the report hashes these bytes)."""
    return json.dumps(summary, indent=2, sort_keys=True, allow_nan=False) + "\n"


def text_sha256(text: str) -> str:
    """sha256 of the UTF-8 bytes of a summary file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary_path(store) -> Path:
    """Where the store keeps its summary: ``<store>/reports/optimization_summary.json``."""
    return Path(store.root) / "reports" / SUMMARY_NAME


def write_text_file(path: Path, text: str) -> None:
    """Create the folder and replace ``path`` atomically; an OS failure is a one-line StoreError."""
    from cosmofit.errors import StoreError
    from cosmofit.store.atomic import atomic_write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as error:
        raise StoreError(
            f"cannot write {path} ({error.strerror or error}); choose a writable folder"
        ) from None


def write_summary(store) -> Path:
    """Rebuild the summary and write it atomically into the store's reports/ folder."""
    path = summary_path(store)
    write_text_file(path, summary_text(build_summary(store)))
    return path
