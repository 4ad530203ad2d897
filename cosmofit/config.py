"""Configuration: TOML files, environment and command-line flags merged with a fixed precedence.

Highest first::

    command-line flags  >  environment (COSMOFIT_*)  >  --config FILE
        >  ./cosmofit.toml  >  user config file  >  built-in defaults

Each source is a nested mapping (a *layer*). Layers are checked one by one,
so an unknown key or a wrong type is reported with the file (or variable)
it came from; then they are deep-merged and validated as a whole. Every
effective value remembers which layer set it, which is what
``cosmofit config show`` prints.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cosmofit.errors import ConfigError
from cosmofit.limits import (
    MAX_ITERATIONS,
    MAX_SEED,
    MAX_STARTS,
    MAX_WARM_START_AGE_HOURS,
    MAX_WORKERS,
)

ENV_PREFIX = "COSMOFIT_"
#: Environment variables with a meaning of their own, mapped onto config keys.
ENV_ALIASES = {"COSMOFIT_STORE": ("run", "store")}
#: Environment variables that are not configuration keys.
ENV_IGNORED = {"COSMOFIT_DEBUG", "COSMOFIT_DATA_DIR"}
PROJECT_CONFIG = Path("cosmofit.toml")

#: Set by the root command's ``--config`` option.
CONFIG_FILE: ContextVar[Path | None] = ContextVar("cosmofit_config_file", default=None)

SOURCE_DEFAULT = "default"
SOURCE_CLI = "command line"
SOURCE_ENV = "env"


def user_config_path() -> Path:
    """The per-user config file (``$XDG_CONFIG_HOME/cosmofit/config.toml`` on Linux)."""
    from platformdirs import user_config_path as platform_config

    return platform_config("cosmofit") / "config.toml"


# -- the schema -----------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunConfig(_Section):
    """[run]: what to fit and where results live."""

    model: str = "lcdm"
    datasets: list[str] = Field(default_factory=lambda: ["cmb", "bao", "sn"])
    store: str | None = None


class OptimizationChoice(_Section):
    """Keys that may differ per model, e.g. ``[optimization.pbuf]``."""

    optimize_parameters: list[str] | None = None
    frozen_parameters: list[str] | None = None


class OptimizationConfig(_Section):
    """[optimization]: which parameters move, from where, how, and whether results are kept."""

    optimize_parameters: list[str] | None = None
    frozen_parameters: list[str] = Field(default_factory=list)
    use_precomputed: bool = True
    save_results: bool = True
    warm_start: bool = False
    warm_start_max_age: float = Field(
        default=24.0, gt=0, le=MAX_WARM_START_AGE_HOURS, allow_inf_nan=False, description="hours"
    )
    dry_run: bool = False
    covariance_scaling: float = 1.0
    method: Literal["L-BFGS-B", "Nelder-Mead", "Powell", "trust-constr"] = "L-BFGS-B"
    tolerance: float = Field(default=1e-10, gt=0, allow_inf_nan=False)
    max_iterations: int = Field(default=5000, ge=1, le=MAX_ITERATIONS)
    starts: int = Field(default=1, ge=1, le=MAX_STARTS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    per_model: dict[str, OptimizationChoice] = Field(default_factory=dict)

    @field_validator("covariance_scaling")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not (math.isfinite(value) and value > 0):
            raise ValueError("covariance_scaling must be a positive number")
        return value


class ConsistencyConfig(_Section):
    """[consistency]: warn when models fitted to the same data disagree.

    ``tolerance`` is in units of the combined 1-sigma of the two fits; unset
    (the default), the comparison is shown as a table and never warns.
    """

    tolerance: float | None = Field(default=None, gt=0)


class ComputeConfig(_Section):
    """[compute]: where many optimizations run (profiles, multi-start, jackknife)."""

    scheduler: str = "auto"
    workers: int = Field(default=2, ge=1, le=MAX_WORKERS)
    #: Seconds a run waits while a Dask cluster has no live worker before it gives up.
    worker_timeout: float = Field(default=300.0, gt=0, allow_inf_nan=False)


class SamplingConfig(_Section):
    """[sampling]: how ``cosmofit sample`` samples and when it calls a run converged."""

    sampler: Literal["emcee", "nested"] = "emcee"
    chains: int = Field(default=4, ge=2)
    walkers: int | None = Field(default=None, ge=4)
    target_r_minus_one: float = Field(default=0.01, gt=0)
    min_ess: float = Field(default=400.0, ge=0)
    max_steps: int = Field(default=20000, ge=1)
    live_points: int = Field(default=1000, ge=50)


class CosmofitConfig(_Section):
    """The whole configuration; TOML tables map onto these sections."""

    run: RunConfig = Field(default_factory=RunConfig)
    optimization: OptimizationConfig = Field(default_factory=OptimizationConfig)
    parameters: dict[str, float] = Field(default_factory=dict)
    parameters_per_model: dict[str, dict[str, float]] = Field(default_factory=dict)
    consistency: ConsistencyConfig = Field(default_factory=ConsistencyConfig)
    compute: ComputeConfig = Field(default_factory=ComputeConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    #: ``[priors.<model>]``: NAME = [LO, HI] or {mean = M, sigma = S}
    priors: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def optimize_parameters(self, model: str) -> list[str] | None:
        choice = self.optimization.per_model.get(model)
        if choice is not None and choice.optimize_parameters is not None:
            return choice.optimize_parameters
        return self.optimization.optimize_parameters

    def frozen_parameters(self, model: str) -> list[str]:
        choice = self.optimization.per_model.get(model)
        if choice is not None and choice.frozen_parameters is not None:
            return choice.frozen_parameters
        return self.optimization.frozen_parameters

    def parameter_overrides(self, model: str) -> dict[str, float]:
        return {**self.parameters, **self.parameters_per_model.get(model, {})}


# -- layers -----------------------------------------------------------------------------------


@dataclass
class Layer:
    """One source of configuration values, as a nested mapping in the schema's shape."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)


def _model_names() -> list[str]:
    from cosmofit.models.registry import available_models

    return list(available_models())


def _fold_per_model(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Move ``[optimization.<model>]`` and ``[parameters.<model>]`` tables to their own keys."""
    models = _model_names()
    out = {key: value for key, value in raw.items() if key not in ("optimization", "parameters")}
    optimization = dict(raw.get("optimization", {}) or {})
    per_model = {}
    for key in list(optimization):
        if key in models and isinstance(optimization[key], Mapping):
            per_model[key] = dict(optimization.pop(key))
    if per_model:
        optimization["per_model"] = per_model
    if "optimization" in raw:
        out["optimization"] = optimization
    if "parameters" in raw:
        parameters = raw["parameters"]
        if not isinstance(parameters, Mapping):
            raise ConfigError(f"[parameters] in {source} must be a table of NAME = number")
        flat, nested = {}, {}
        for key, value in parameters.items():
            if key in models and isinstance(value, Mapping):
                nested[key] = dict(value)
            else:
                flat[key] = value
        out["parameters"] = flat
        if nested:
            out["parameters_per_model"] = nested
    return out


def _check_keys(
    values: Mapping[str, Any], schema: type[BaseModel], source: str, prefix: str = ""
) -> None:
    """Unknown keys are reported with the source and a did-you-mean."""
    fields = schema.model_fields
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if key not in fields:
            candidates = [f for f in fields if f not in ("per_model", "parameters_per_model")]
            hint = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
            suggestion = f"; did you mean '{prefix}{hint[0]}'?" if hint else ""
            valid = ", ".join(candidates)
            raise ConfigError(
                f"unknown key '{dotted}' {_in_source(dotted, source)}{suggestion} "
                f"(valid keys: {valid})"
            )
        annotation = fields[key].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not isinstance(value, Mapping):
                raise ConfigError(f"'{dotted}' in {source} must be a table, got {value!r}")
            _check_keys(value, annotation, source, prefix=f"{dotted}.")
        elif key == "per_model":
            if not isinstance(value, Mapping) or not all(
                isinstance(table, Mapping) for table in value.values()
            ):
                raise ConfigError(
                    f"'{dotted}' in {source} must be a table of [optimization.MODEL] tables;"
                    " write per-model choices as [optimization.lcdm] etc."
                )
            for model, table in value.items():
                _check_keys(table, OptimizationChoice, source, prefix=f"{prefix}{model}.")


def env_variable(dotted: str) -> str:
    """The environment variable that sets configuration key ``dotted``."""
    for name, path in ENV_ALIASES.items():
        if ".".join(path) == dotted:
            return name
    return ENV_PREFIX + dotted.replace(".", "__").upper()


def _in_source(dotted: str, source: str) -> str:
    """``in <file>``, or the environment variable by name."""
    if source == "environment":
        return f"in environment variable {env_variable(dotted)}"
    return f"in {source}"


def _describe(error: ValidationError, source: str) -> ConfigError:
    first = error.errors()[0]
    where = _dotted(tuple(str(p) for p in first["loc"]))
    message = first["msg"].removeprefix("Value error, ")
    got = first.get("input")
    text = repr(got)
    text = text if len(text) <= 80 else text[:77] + "..."
    shown = "" if isinstance(got, dict) else f" (got {text})"
    return ConfigError(f"invalid value for '{where}' {_in_source(where, source)}: {message}{shown}")


def check_layer(layer: Layer) -> None:
    """Validate one layer alone, so errors name the file or variable responsible."""
    _check_keys(layer.values, CosmofitConfig, layer.name)
    try:
        CosmofitConfig.model_validate(layer.values)
    except ValidationError as error:
        raise _describe(error, layer.name) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; malformed TOML is a ConfigError with line and column."""
    from cosmofit.safeio import CONFIG_LIMIT, UnreadableFile, read_bytes_bounded

    try:
        text = read_bytes_bounded(path, CONFIG_LIMIT).decode("utf-8")
    except UnreadableFile as error:
        raise ConfigError(f"config file {path} is {error}; pass a TOML file") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"malformed TOML in {path}: {error}") from None
    except RecursionError:  # the parser recurses once per level of nested arrays
        raise ConfigError(
            f"malformed TOML in {path}: arrays or tables nested too deeply; no cosmofit key "
            "takes more than one level"
        ) from None


def file_layer(path: Path, label: str) -> Layer:
    return Layer(f"{label} {path}", _fold_per_model(read_toml(path), f"{label} {path}"))


def _env_value(raw: str) -> Any:
    """Environment strings: JSON when they parse as JSON, comma lists, else the string."""
    try:
        return json.loads(raw)
    except RecursionError:
        return raw  # nested too deeply to be a value of any key; validation rejects it
    except json.JSONDecodeError:
        return [item.strip() for item in raw.split(",")] if "," in raw else raw


def env_layer(environ: Mapping[str, str]) -> Layer:
    """``COSMOFIT_SECTION__KEY=value`` (and ``COSMOFIT_STORE``) as a layer."""
    nested: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in ENV_IGNORED:
            continue
        if name in ENV_ALIASES:
            path = ENV_ALIASES[name]
            value: Any = raw
        else:
            path = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
            value = _env_value(raw)
            if path[0] == "run" and path[-1] in ("model", "store"):
                value = raw
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"environment variable {name} conflicts with another one")
        node[path[-1]] = value
    return Layer("environment", _fold_per_model(nested, "environment"))


def default_layers(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> list[Layer]:
    """Every source but the command line, lowest precedence first."""
    environ = os.environ if environ is None else environ
    layers = []
    user = user_config_path()
    if user.is_file():
        layers.append(file_layer(user, "user config"))
    if PROJECT_CONFIG.is_file():
        layers.append(file_layer(PROJECT_CONFIG.resolve(), "project config"))
    config_file = CONFIG_FILE.get() if config_file is None else config_file
    if config_file is not None:
        from cosmofit.safeio import CONFIG_LIMIT
        from cosmofit.userpaths import check_input_file

        check_input_file(config_file, "--config", CONFIG_LIMIT, error=ConfigError)
        layers.append(file_layer(config_file, "--config"))
    layers.append(env_layer(environ))
    return layers


# -- merging -------------------------------------------------------------------------------


def _leaves(
    values: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*prefix, key))  # an empty table sets nothing
        else:
            yield (*prefix, key), value


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = target
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _dotted(path: tuple[str, ...]) -> str:
    """Schema path -> key as written in TOML (optimization.per_model.pbuf -> optimization.pbuf)."""
    renamed = ("parameters" if p == "parameters_per_model" else p for p in path)
    return ".".join(p for p in renamed if p != "per_model")


@dataclass
class EffectiveConfig:
    """The merged configuration and, for every key set by a source, that source's name."""

    config: CosmofitConfig
    sources: dict[str, str]
    order: list[str] = field(default_factory=list)  # layer names, lowest precedence first

    def source_of(self, dotted: str) -> str:
        return self.sources.get(dotted, SOURCE_DEFAULT)

    def _rank(self, dotted: str) -> int:
        source = self.source_of(dotted)
        return self.order.index(source) if source in self.order else -1

    def rows(self) -> list[tuple[str, Any, str]]:
        """(key, value, source) for every effective setting, defaults included."""
        return [
            (_dotted(path), value, self.source_of(_dotted(path)))
            for path, value in _leaves(self.config.model_dump())
        ]

    def optimize_parameters(self, model: str) -> list[str] | None:
        """A per-model list wins over the general one unless a higher source set the general one."""
        general = "optimization.optimize_parameters"
        specific = f"optimization.{model}.optimize_parameters"
        choice = self.config.optimization.per_model.get(model)
        if (
            choice
            and choice.optimize_parameters is not None
            and (self._rank(specific) >= self._rank(general))
        ):
            return choice.optimize_parameters
        return self.config.optimization.optimize_parameters

    def frozen_parameters(self, model: str) -> list[str]:
        general = "optimization.frozen_parameters"
        specific = f"optimization.{model}.frozen_parameters"
        choice = self.config.optimization.per_model.get(model)
        if (
            choice
            and choice.frozen_parameters is not None
            and (self._rank(specific) >= self._rank(general))
        ):
            return choice.frozen_parameters
        return self.config.optimization.frozen_parameters

    def parameter_overrides(self, model: str) -> dict[str, float]:
        """[parameters] and [parameters.<model>]; per key, the higher source wins."""
        merged = dict(self.config.parameters)
        for name, value in self.config.parameters_per_model.get(model, {}).items():
            if name not in merged or self._rank(f"parameters.{model}.{name}") >= self._rank(
                f"parameters.{name}"
            ):
                merged[name] = value
        return merged

    def parameter_sources(self, model: str) -> dict[str, str]:
        out = {}
        for name in self.parameter_overrides(model):
            specific = f"parameters.{model}.{name}"
            out[name] = self.source_of(
                specific if specific in self.sources else f"parameters.{name}"
            )
        return out


def merge(layers: list[Layer]) -> EffectiveConfig:
    """Deep-merge layers (later wins) after checking each one, then validate the result."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        check_layer(layer)
        for path, value in _leaves(layer.values):
            _set(merged, path, value)
            sources[_dotted(path)] = layer.name
    try:
        config = CosmofitConfig.model_validate(merged)
    except ValidationError as error:
        raise _describe(error, "the merged configuration") from None
    return EffectiveConfig(config, sources, [layer.name for layer in layers])


def load_config(
    cli: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> EffectiveConfig:
    """The effective configuration, with command-line values (``None`` = unset) on top."""
    layers = default_layers(environ, config_file)
    cli_values: dict[str, Any] = {}
    for path, value in _leaves(dict(cli or {})):
        if value is not None:
            _set(cli_values, path, value)
    layers.append(Layer(SOURCE_CLI, cli_values))
    return merge(layers)


# -- from configuration to what the services take -------------------------------------------


def _set_by(key: str, source: str) -> str:
    if source == "environment":
        return f"set by environment variable {env_variable(key)}"
    return f"set by {source}, key '{key}'"


def _with_source(effective: EffectiveConfig, key: str, error: Exception) -> ConfigError:
    source = effective.source_of(key)
    where = "" if source == SOURCE_CLI else f" ({_set_by(key, source)})"
    return ConfigError(f"{error}{where}")


def check_for_model(effective: EffectiveConfig, model_name: str) -> None:
    """Checks that need the model: names, roles and bounds, each traced to its source."""
    from cosmofit.errors import UsageError
    from cosmofit.fitting.classify import classify
    from cosmofit.models.registry import get_model

    try:
        model = get_model(model_name)
    except UsageError as error:
        raise _with_source(effective, "run.model", error) from None
    overrides = effective.parameter_overrides(model.name)
    sources = effective.parameter_sources(model.name)
    for name, value in overrides.items():
        key = f"parameters.{name}"
        try:
            model.complete({name: value})
        except UsageError as error:
            source = sources.get(name, SOURCE_DEFAULT)
            where = "" if source == SOURCE_CLI else f" ({_set_by(key, source)})"
            raise ConfigError(f"{error}{where}") from None
    try:
        classify(
            model,
            effective.optimize_parameters(model.name),
            effective.frozen_parameters(model.name),
        )
    except UsageError as error:
        raise _with_source(effective, "optimization.optimize_parameters", error) from None


def optimize_settings(effective: EffectiveConfig, model: str):
    """:class:`~cosmofit.settings.OptimizeSettings` for one model from the effective config."""
    from cosmofit.settings import OptimizeSettings

    check_for_model(effective, model)
    run, opt = effective.config.run, effective.config.optimization
    return OptimizeSettings(
        model=model,
        datasets=run.datasets,
        optimize=effective.optimize_parameters(model),
        freeze=effective.frozen_parameters(model),
        overrides=effective.parameter_overrides(model),
        use_store=opt.use_precomputed,
        warm_start=opt.warm_start,
        warm_start_max_age_hours=opt.warm_start_max_age,
        dry_run=opt.dry_run,
        save=opt.save_results,
        cov_scale=opt.covariance_scaling,
        method=opt.method,
        starts=opt.starts,
        seed=opt.seed,
        tolerance=opt.tolerance,
        max_iterations=opt.max_iterations,
        store=run.store,
        scheduler=effective.config.compute.scheduler,
        workers=effective.config.compute.workers,
        worker_timeout=effective.config.compute.worker_timeout,
    )


def fit_settings(
    effective: EffectiveConfig, model: str, *, optimize: list[str] | None = None, save: bool = False
):
    """:class:`~cosmofit.settings.FitSettings` for one model from the effective config."""
    from cosmofit.settings import FitSettings

    check_for_model(effective, model)
    run, opt = effective.config.run, effective.config.optimization
    return FitSettings(
        model=model,
        datasets=run.datasets,
        overrides=effective.parameter_overrides(model),
        cov_scale=opt.covariance_scaling,
        use_store=opt.use_precomputed,
        store=run.store,
        optimize=optimize,
        freeze=effective.frozen_parameters(model) if optimize is not None else [],
        save=save,
    )


def sample_settings(effective: EffectiveConfig, model: str, **flags: Any):
    """:class:`~cosmofit.fitting.sample.SampleSettings` from the configuration and the flags.

    ``[priors.<model>]`` entries are checked here so a bad one names its source.
    """
    from cosmofit.errors import UsageError
    from cosmofit.fitting.priors import config_prior
    from cosmofit.fitting.sample import SampleSettings
    from cosmofit.models.registry import get_model
    from cosmofit.settings import make_settings

    name = get_model(model).name
    configured = {}
    for param, value in effective.config.priors.get(name, {}).items():
        try:
            configured[param] = config_prior(param, value, f"[priors.{name}]")
        except UsageError as error:
            key = f"priors.{name}.{param}"
            nested = [k for k in effective.sources if k.startswith(key + ".")]
            raise _with_source(effective, nested[0] if nested else key, error) from None
    run, sampling = effective.config.run, effective.config.sampling
    cov_scale = flags.pop("cov_scale", None)
    return make_settings(
        SampleSettings,
        model=name,
        overrides={**effective.parameter_overrides(name), **flags.pop("overrides", {})},
        configured_priors=configured,
        sampler=sampling.sampler,
        chains=sampling.chains,
        walkers=sampling.walkers,
        target_r_minus_one=sampling.target_r_minus_one,
        min_ess=sampling.min_ess,
        max_steps=sampling.max_steps,
        live_points=sampling.live_points,
        cov_scale=(
            cov_scale if cov_scale is not None else effective.config.optimization.covariance_scaling
        ),
        store=run.store,
        **flags,
    )


def models_to_run(effective: EffectiveConfig) -> list[str]:
    """``run.model`` as a list: ``all`` means every registered model."""
    name = effective.config.run.model.strip().lower()
    if name == "all":
        from cosmofit.models.registry import available_models

        return list(available_models())
    return [name]


def store_directory(cli_store: str | None = None) -> str | None:
    """The store directory after precedence (``--store`` > COSMOFIT_STORE > files), or None
    for the default location."""
    return load_config({"run": {"store": cli_store}}).config.run.store
