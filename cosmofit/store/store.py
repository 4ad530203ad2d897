"""The optimized-parameter store: per-model defaults, their history and backups.

Layout of the store root (see :func:`resolve_store_root`)::

    <model>.json            current defaults (ModelDocument, checksummed)
    <model>.history.jsonl   one OptimizationRecord per line, append-only
    <model>.lock            per-model lock held across read-modify-write
    backups/<model>.<UTC timestamp>.json   previous documents, newest N kept
    profiles/<PARAM>-<UTC time>/     default run directories of ``cosmofit profile``
                                     (results.jsonl, profile.json: the report shows these)
    jackknife/<MODEL>-<UTC time>/    default run directories of ``cosmofit jackknife``

Writers hold the model's lock, append the record to the history first and
then atomically replace the document, so a process killed at any instant
leaves the old or the new document and a history whose only possible damage
is an unterminated last line. Readers take no lock (atomic replacement means
they always see a whole file) and create nothing, except that a corrupt
document is set aside and the newest valid backup restored in its place.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import platformdirs

from cosmofit.errors import StoreError, UsageError
from cosmofit.models.registry import Model, get_model
from cosmofit.safeio import (
    DOCUMENT_LIMIT,
    LINE_LIMIT,
    LOG_LIMIT,
    FileTooLarge,
    NotARegularFile,
    describe_kind,
    iter_lines_bounded,
    open_regular,
    parse_json,
    read_bytes_bounded,
    short_reason,
)
from cosmofit.store.atomic import (
    append_line,
    atomic_write_text,
    keep_aside,
    model_lock,
    read_torn_tail,
    remove_stale_temps,
    temp_prefix,
    truncate_durably,
)
from cosmofit.store.schema import (
    DEFAULT_SOURCE,
    SCHEMA_VERSION,
    ConsistencyReport,
    ConsistencyRow,
    ModelDocument,
    OptimizationRecord,
    ParameterEntry,
    format_timestamp,
    new_run_id,
    seal,
    utc_now,
    verify,
)
from cosmofit.userpaths import check_directory

#: Environment variable that overrides the default store location.
STORE_ENV = "COSMOFIT_STORE"

#: Folders of the store root holding the default run directories of profile and jackknife.
PROFILE_RUNS = "profiles"
JACKKNIFE_RUNS = "jackknife"
#: The result a profile run writes into its directory; the report reads it from there.
PROFILE_FILE = "profile.json"

#: Folder of the store root holding the backups of every model.
BACKUPS = "backups"

#: Parameters LCDM and PBUF share and should agree on.
SHARED_PARAMS = ("H0", "Om0", "Obh2", "ns")

#: Recovery reason of a document that is gone although its model has history or backups.
_MISSING = "missing"

#: Backup names embed this UTC timestamp, so sorting names sorts by time.
_BACKUP_STAMP = "%Y%m%dT%H%M%S.%fZ"


def resolve_store_root(root: Path | str | None = None) -> Path:
    """The store directory: ``root`` if given, else ``$COSMOFIT_STORE``, else the user data dir.

    Nothing is created here; writers create the directory when they first write.
    """
    if root is not None and str(root) != "":
        return Path(root).expanduser()
    from_env = os.environ.get(STORE_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return platformdirs.user_data_path("cosmofit") / "store"


class _Corrupt(Exception):
    """A store file exists but cannot be trusted; ``str()`` says why."""


def _wrong_kind(path: Path, problem: str, expected: str) -> StoreError:
    """The one-line error for a store path of the wrong kind (nothing is written after it)."""
    return StoreError(
        f"store path {path} is {problem.split(',')[0]}, but the store keeps a {expected} there; "
        f"move it out of the way (e.g. `mv {path} {path}.moved`) and run the command again"
    )


def _check_kind(path: Path, expected: str) -> None:
    """Raise :func:`_wrong_kind` unless ``path`` is missing or a ``expected`` ("file"/"folder").

    Symbolic links are followed: a link to a folder is a folder.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise StoreError(f"cannot access store path {path} ({error.strerror})") from None
    ok = stat.S_ISDIR(mode) if expected == "folder" else stat.S_ISREG(mode)
    if not ok:
        raise _wrong_kind(path, describe_kind(mode), expected)


def _read_document(path: Path, model: str) -> ModelDocument | None:
    """Load and verify ``path``; ``None`` if it does not exist, ``_Corrupt`` if untrustworthy.

    A document from a newer cosmofit is not corrupt and is never set aside:
    that is a StoreError telling the user to upgrade.
    """
    try:
        raw = read_bytes_bounded(path, DOCUMENT_LIMIT)
    except FileNotFoundError:
        return None
    except FileTooLarge as error:
        raise _Corrupt(error.problem) from None
    except NotARegularFile as error:
        raise _wrong_kind(path, error.problem, "file") from None
    except OSError as error:
        raise StoreError(
            f"cannot read store file {path} ({error.strerror}); check its permissions"
        ) from None
    if not raw.strip():
        raise _Corrupt("empty file")
    try:
        data = parse_json(raw)
    except ValueError as error:
        raise _Corrupt(short_reason(error)) from None
    if not isinstance(data, dict):
        raise _Corrupt("not a JSON object")
    version = data.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise StoreError(
            f"store file {path} has schema version {version}, newer than this cosmofit "
            f"understands ({SCHEMA_VERSION}); upgrade cosmofit or set {STORE_ENV} to another store"
        )
    try:
        doc = ModelDocument.model_validate(data, strict=True)  # a wrong JSON type is damage
    except ValueError as error:
        raise _Corrupt(short_reason(error)) from None
    if doc.schema_version != SCHEMA_VERSION:
        raise _Corrupt(f"unsupported schema version {doc.schema_version}")
    if doc.model != model:
        raise _Corrupt(f"it holds model {doc.model!r}, not {model!r}")
    if not verify(doc):
        raise _Corrupt("checksum mismatch")
    return doc


def _holds(path: Path, doc: ModelDocument) -> bool:
    """Whether ``path`` now holds exactly ``doc``."""
    try:
        return path.read_bytes() == doc.to_text().encode("utf-8")
    except OSError:
        return False


def _file_size(path: Path) -> int:
    """Size of ``path`` in bytes, 0 if it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _after_last_run(
    records: list[OptimizationRecord], doc: ModelDocument | None
) -> list[OptimizationRecord]:
    """The records after the one that set ``doc`` (all of them when there is no document)."""
    if doc is None:
        return records
    positions = [i for i, r in enumerate(records) if r.run_id == doc.last_run_id]
    return records[positions[-1] + 1 :] if positions else []


def _unapplied_message(paths: dict[str, Path], name: str, run_id: str) -> str:
    return (
        f"run {run_id} is in {paths['history']} but was never applied to "
        f"{paths['document']} (an interrupted update); run it again, or apply it with "
        f"`cosmofit store restore {name} --run {run_id}`"
    )


def _format_duration(seconds: float) -> str:
    """``"12.5 min"`` or ``"30.1 h"``: the unit people think of run ages in."""
    seconds = max(seconds, 0.0)
    if seconds < 3600:
        amount, unit = seconds / 60.0, "min"
    else:
        amount, unit = seconds / 3600.0, "h"
    return f"{amount:.1f}".rstrip("0").rstrip(".") + f" {unit}"


class OptimizedParameterStore:
    """Per-model optimized defaults with history, backups and crash-safe updates.

    ``warnings`` collects one-line, human-readable notes from reads (recovered
    corruption, skipped history lines, stale values); the CLI prints them to
    stderr. With ``read_only=True`` nothing is ever written, not even a
    recovery: a corrupt document is replaced by its backup in memory only.
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        lock_timeout: float = 30.0,
        backups_kept: int = 10,
        read_only: bool = False,
    ) -> None:
        if backups_kept < 1:
            raise UsageError(
                f"backups_kept={backups_kept} would leave nothing to recover from; use 1 or more"
            )
        self.root = check_directory(resolve_store_root(root), "store directory")
        self.lock_timeout = lock_timeout
        self.backups_kept = backups_kept
        self.read_only = read_only
        if not read_only:
            _check_kind(self.root / BACKUPS, "folder")  # refuse before a long fit, not after it
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ paths

    def paths(self, model: str) -> dict[str, Path]:
        """Where the files of ``model`` live (they need not exist)."""
        name = get_model(model).name
        return {
            "root": self.root,
            "document": self.root / f"{name}.json",
            "history": self.root / f"{name}.history.jsonl",
            "lock": self.root / f"{name}.lock",
            "backups": self.root / BACKUPS,
        }

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # ------------------------------------------------------------------ reads

    def get_model_defaults(self, model: str) -> dict[str, ParameterEntry]:
        """Every parameter of ``model``: stored entries over the built-in defaults.

        A stored value outside the model's current bounds is replaced by the
        built-in default (with a warning) so that callers always get a valid
        starting point.
        """
        spec = get_model(model)
        doc = self._current_document(spec.name)
        stored = doc.parameters if doc is not None else {}
        document = self.paths(spec.name)["document"]
        result: dict[str, ParameterEntry] = {}
        for param in spec.params:
            entry = stored.get(param.name)
            if entry is not None and not param.contains(entry.value):
                self._warn(
                    f"stored {spec.name} {param.name}={entry.value:g} in {document} is outside "
                    f"its current bounds {param.describe_bounds()}; using the built-in default "
                    f"{param.default:g} (re-run the fit to refresh it)"
                )
                entry = None
            result[param.name] = entry or ParameterEntry(value=param.default, source=DEFAULT_SOURCE)
        unknown = sorted(set(stored) - set(spec.param_names))
        if unknown:
            self._warn(
                f"{document} stores {', '.join(unknown)}, which {spec.name} no longer has; "
                "they are ignored"
            )
        return result

    def get_optimization_history(
        self, model: str, limit: int | None = None
    ) -> list[OptimizationRecord]:
        """Records of ``model``, oldest first; ``limit`` keeps only the newest N."""
        if limit is not None and limit < 0:
            raise UsageError(f"history limit {limit} must be zero or positive")
        name = get_model(model).name
        records, problems = self._read_history(name)
        for problem in problems:
            self._warn(problem)
        if not records and not problems:
            self._warn_lost_history(name)
        if limit is not None:
            return records[-limit:] if limit else []
        return records

    def _warn_lost_history(self, name: str) -> None:
        """An empty history under a document set by a run: the history was lost, say so."""
        paths = self.paths(name)
        try:
            doc = _read_document(paths["document"], name)
        except (_Corrupt, StoreError):
            return  # the document's own problem is reported where it is read
        if doc is not None and doc.last_run_id is not None:
            self._warn(
                f"history {paths['history']} is missing or empty although {paths['document'].name} "
                f"was set by run {doc.last_run_id}; past runs cannot be listed or restored by id "
                f"(backups still can: `cosmofit store backups {name}`)"
            )

    def get_record(self, model: str, run_id: str) -> OptimizationRecord:
        """The record with ``run_id`` (the last one if an id was ever reused)."""
        name = get_model(model).name
        for record in reversed(self.get_optimization_history(name)):
            if record.run_id == run_id:
                return record
        raise StoreError(
            f"no run {run_id!r} in {self.paths(name)['history']}; list the run ids with "
            f"`cosmofit store history {name}`"
        )

    def unapplied_records(self, model: str) -> list[OptimizationRecord]:
        """History records after the run that set the current document.

        An update appends its record and then replaces the document; a process
        killed in between leaves a record whose values never became the
        defaults. Such records are not the latest optimization, whatever their
        position in the file.
        """
        name = get_model(model).name
        records = self.get_optimization_history(name)
        return _after_last_run(records, self._current_document(name)) if records else []

    def list_backups(self, model: str) -> list[str]:
        """Backup file names of ``model`` in ``backups/``, oldest first."""
        return [path.name for path in self._backup_paths(get_model(model).name)]

    def get_warm_start_params(
        self,
        model: str,
        dataset_tag: str,
        *,
        max_age: timedelta = timedelta(hours=24),
        now: datetime | None = None,
    ) -> tuple[dict[str, float] | None, str]:
        """Final values of the latest converged run of ``model`` on ``dataset_tag``, if usable.

        Returns ``(values, "warm start from run X (age ...)")`` or ``(None, why not)``:
        a stale run, a run of a different parameter set or one whose values
        fall outside today's bounds would mislead the optimizer.
        """
        spec = get_model(model)
        moment = now or utc_now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        candidates = [
            record
            for record in self.get_optimization_history(spec.name)
            if record.kind == "optimization" and record.dataset_tag == dataset_tag
        ]
        if not candidates:
            return None, f"no previous run of {spec.name} on {dataset_tag}"
        converged = [record for record in candidates if record.converged]
        if not converged:
            return None, (
                f"no converged run of {spec.name} on {dataset_tag} ({len(candidates)} unconverged)"
            )
        latest = converged[-1]
        age = (moment - latest.moment).total_seconds()
        if age > max_age.total_seconds():
            return None, (
                f"latest run {latest.run_id} is {_format_duration(age)} old "
                f"(limit {_format_duration(max_age.total_seconds())})"
            )
        final = spec.backfilled(latest.final)  # parameters added since take their defaults
        if set(final) != set(spec.param_names):
            return None, (
                f"parameters changed since run {latest.run_id} "
                f"({', '.join(sorted(set(final) ^ set(spec.param_names)))})"
            )
        for param in spec.params:
            value = final[param.name]
            if not param.contains(value):
                return None, (
                    f"value out of current bounds in run {latest.run_id}: "
                    f"{param.name}={value:g} not in {param.describe_bounds()}"
                )
        values = {name: final[name] for name in spec.param_names}
        return values, f"warm start from run {latest.run_id} (age {_format_duration(age)})"

    def validate_cross_model_consistency(self, tolerance: float = 1e-3) -> ConsistencyReport:
        """Compare the shared parameters of the stored LCDM and PBUF defaults.

        The relative difference is ``|a - b| / max(|a|, |b|)``; rows beyond
        ``tolerance`` are not ok and are also added to :attr:`warnings`.
        """
        lcdm = self.get_model_defaults("lcdm")
        pbuf = self.get_model_defaults("pbuf")
        rows: list[ConsistencyRow] = []
        for param in SHARED_PARAMS:
            a, b = lcdm[param], pbuf[param]
            scale = max(abs(a.value), abs(b.value))
            difference = abs(a.value - b.value) / scale if scale > 0 else 0.0
            ok = difference <= tolerance
            rows.append(
                ConsistencyRow(
                    param=param,
                    lcdm_value=a.value,
                    lcdm_source=a.source,
                    pbuf_value=b.value,
                    pbuf_source=b.source,
                    relative_difference=difference,
                    ok=ok,
                )
            )
            if not ok:
                self._warn(
                    f"{param} differs between lcdm ({a.value:g}, {a.source}) and pbuf "
                    f"({b.value:g}, {b.source}) by {difference:.2%} (tolerance {tolerance:.2%})"
                )
        return ConsistencyReport(
            tolerance=tolerance, rows=rows, consistent=all(row.ok for row in rows)
        )

    def check(self, model: str) -> list[str]:
        """Problems with the files of ``model``, found without modifying anything."""
        spec = get_model(model)
        paths = self.paths(spec.name)
        problems: list[str] = []
        doc: ModelDocument | None = None
        try:
            doc = _read_document(paths["document"], spec.name)
        except _Corrupt as reason:
            problems.append(
                f"store file {paths['document']} is corrupt ({reason}); the next read restores "
                f"the newest valid backup, or run `cosmofit store restore {spec.name} "
                "--backup NAME`"
            )
        except StoreError as error:
            problems.append(str(error))
        else:
            if doc is None and self._has_past(spec.name):
                problems.append(
                    f"store file {paths['document']} is missing although {spec.name} has a "
                    "history or backups; the next read restores the newest valid backup"
                )
        records, history_problems = self._read_history(spec.name)
        problems.extend(history_problems)
        if doc is not None:
            for param in spec.params:
                entry = doc.parameters.get(param.name)
                if entry is not None and not param.contains(entry.value):
                    problems.append(
                        f"{paths['document']}: {param.name}={entry.value:g} is outside "
                        f"{param.describe_bounds()}; re-run the fit or restore an earlier run"
                    )
            unknown = sorted(set(doc.parameters) - set(spec.param_names))
            if unknown:
                problems.append(
                    f"{paths['document']} stores unknown parameters {', '.join(unknown)}; "
                    "they are ignored"
                )
            run_ids = {record.run_id for record in records}
            if doc.last_run_id is not None and doc.last_run_id not in run_ids:
                problems.append(
                    f"{paths['document']} was last set by run {doc.last_run_id}, which is not "
                    f"in {paths['history']}; see `cosmofit store history {spec.name}`"
                )
        if doc is not None or not paths["document"].exists():  # else: its state is unknown
            for record in _after_last_run(records, doc):
                problems.append(_unapplied_message(paths, spec.name, record.run_id))
        for backup in self._backup_paths(spec.name):
            try:
                _read_document(backup, spec.name)
            except (_Corrupt, StoreError) as reason:
                problems.append(f"backup {backup} is unusable ({reason}); delete it")
        return problems

    # ----------------------------------------------------------------- writes

    def update_model_defaults(self, record: OptimizationRecord) -> ModelDocument:
        """Store the optimized values of ``record`` and append it to the history.

        Only parameters in ``record.optimized`` and ``record.conditioned_on``
        (held at a --set value during the run, tagged ``<datasets> (--set)``)
        change; every other stored entry keeps its value and metadata.
        """
        spec = get_model(record.model)
        self._check_record(spec, record)
        with self._locked(spec.name):
            previous = self._current_document_locked(spec.name)
            parameters = dict(previous.parameters) if previous is not None else {}
            for name in record.optimized:
                parameters[name] = ParameterEntry(
                    value=record.final[name],
                    source=record.dataset_tag,
                    run_id=record.run_id,
                    timestamp=record.timestamp,
                    method=record.method,
                )
            for name in record.conditioned_on:
                parameters[name] = ParameterEntry(
                    value=record.final[name],
                    source=f"{record.dataset_tag} (--set)",
                    run_id=record.run_id,
                    timestamp=record.timestamp,
                    method="--set",
                )
            doc = self._new_document(spec.name, parameters, record.run_id)
            self._commit_locked(spec.name, previous, doc, record)
        return doc

    def restore(
        self, model: str, *, run_id: str | None = None, backup: str | None = None
    ) -> ModelDocument:
        """Reset the defaults of ``model`` to a past run's values or to a backup file.

        The restore itself is appended to the history (``kind="restore"``), and
        the document it replaces is backed up first, so a restore can be undone.
        A run restores what it determined - its optimized parameters and the
        --set values it was conditioned on - and leaves the others as they are;
        ``run_id`` may be any unique prefix of a run id.
        """
        if (run_id is None) == (backup is None):
            raise UsageError("restore needs exactly one of a run id or a backup name")
        spec = get_model(model)
        with self._locked(spec.name):
            previous = self._current_document_locked(spec.name)
            start = {name: entry.value for name, entry in self._merged(spec, previous).items()}
            if run_id is not None:
                current = dict(previous.parameters) if previous is not None else {}
                record, parameters = self._restored_run(spec, run_id, start, current)
            else:
                record, parameters = self._restored_backup(spec, cast(str, backup), start)
            doc = self._new_document(spec.name, parameters, record.run_id)
            self._commit_locked(spec.name, previous, doc, record)
        return doc

    # -------------------------------------------------------------- internals

    def _locked(self, name: str) -> AbstractContextManager[Path]:
        """Create the root if needed and hold ``name``'s lock; refused when read-only."""
        if self.read_only:
            raise StoreError(
                f"the store at {self.root} was opened read-only; drop the read-only/dry-run "
                "option to write"
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create store directory {self.root} ({error.strerror}); set "
                f"{STORE_ENV} to a writable directory"
            ) from None
        self._check_layout(name)
        return model_lock(self.root, name, self.lock_timeout)

    def _check_layout(self, name: str) -> None:
        """Refuse to write when a store path has the wrong kind (a file where a folder goes...)."""
        paths = self.paths(name)
        for key in ("document", "history", "lock"):
            _check_kind(paths[key], "file")
        _check_kind(paths["backups"], "folder")

    def _merged(self, spec: Model, doc: ModelDocument | None) -> dict[str, ParameterEntry]:
        """Stored entries of ``doc`` over built-in defaults, without bound checks or warnings."""
        stored = doc.parameters if doc is not None else {}
        return {
            p.name: stored.get(p.name) or ParameterEntry(value=p.default, source=DEFAULT_SOURCE)
            for p in spec.params
        }

    def _new_document(
        self, name: str, parameters: dict[str, ParameterEntry], last_run_id: str
    ) -> ModelDocument:
        return seal(
            ModelDocument(
                schema_version=SCHEMA_VERSION,
                model=name,
                updated=format_timestamp(utc_now()),
                parameters=parameters,
                last_run_id=last_run_id,
            )
        )

    def _check_record(self, spec: Model, record: OptimizationRecord) -> None:
        """Refuse records the store could not restore later (missing or bad values)."""
        where = f"record {record.run_id} for {spec.name}"
        if record.kind != "optimization":
            raise StoreError(f"{where} has kind {record.kind!r}; use restore() for restores")
        missing = [name for name in spec.param_names if name not in record.final]
        if missing:
            raise StoreError(
                f"{where} lacks final values for {', '.join(missing)}; the fitter must "
                "store every model parameter"
            )
        unknown = sorted(set(record.final) - set(spec.param_names))
        stray = sorted(set(record.optimized) - set(spec.param_names))
        if unknown or stray:
            raise StoreError(
                f"{where} names parameters {spec.name} does not have: "
                f"{', '.join(unknown or stray)}; check the model name"
            )
        for name in record.optimized:
            param = spec.spec(name)
            if not param.contains(record.final[name]):
                raise StoreError(
                    f"{where}: {name}={record.final[name]:g} is not a finite value inside "
                    f"{param.describe_bounds()}; the optimized result is not stored"
                )

    def _check_restorable(self, spec: Model, record: OptimizationRecord) -> None:
        final = spec.backfilled(record.final)
        if set(final) != set(spec.param_names):
            raise StoreError(
                f"run {record.run_id} has parameters {', '.join(sorted(record.final))} but "
                f"{spec.name} now has {', '.join(spec.param_names)}; restore a newer run"
            )
        for param in spec.params:
            if not param.contains(final[param.name]):
                raise StoreError(
                    f"run {record.run_id}: {param.name}={final[param.name]:g} is outside "
                    f"the current bounds {param.describe_bounds()}; restore a different run"
                )

    def resolve_run_id(self, model: str, prefix: str) -> str:
        """The one run id of ``model`` starting with ``prefix`` (like git), or a UsageError."""
        ids = [r.run_id for r in self.get_optimization_history(model)]
        if prefix in ids:
            return prefix
        matches = [run for run in ids if run.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UsageError(
                f"no run of {model} starts with {prefix!r}; "
                f"see `cosmofit store history {model}` for run ids"
            )
        raise UsageError(
            f"{prefix!r} matches {len(matches)} runs of {model} "
            f"({', '.join(matches[:3])}{', ...' if len(matches) > 3 else ''}); give more characters"
        )

    def _restored_run(
        self,
        spec: Model,
        run_id: str,
        start: dict[str, float],
        current: dict[str, ParameterEntry],
    ) -> tuple[OptimizationRecord, dict[str, ParameterEntry]]:
        """Restore record and entries putting what run ``run_id`` determined back in place:
        its optimized and --set parameters (every parameter, for a restore record)."""
        run_id = self.resolve_run_id(spec.name, run_id)
        source = self.get_record(spec.name, run_id)
        self._check_restorable(spec, source)
        final = spec.backfilled(source.final)
        if source.kind == "optimization":
            names = [n for n in spec.param_names if n in source.optimized + source.conditioned_on]
        else:
            names = list(spec.param_names)
        moment = utc_now()
        record = source.model_copy(
            update={
                "run_id": new_run_id(moment),
                "kind": "restore",
                "timestamp": format_timestamp(moment),
                "start": start,
                "final": {
                    name: final[name] if name in names else start[name] for name in spec.param_names
                },
                "chi2_start": None,
                "optimized": [],
                "fixed": [],
                "frozen": [],
                "nfev": 0,
                "wall_s": 0.0,
                "message": f"restored the final values of run {run_id}",
                "note": None,
                "restored_from": run_id,
            }
        )
        parameters = dict(current)
        for name in names:
            parameters[name] = ParameterEntry(
                value=record.final[name],
                source=f"restore:{run_id}",
                run_id=record.run_id,
                timestamp=record.timestamp,
                method=source.method,
            )
        return record, parameters

    def _restored_backup(
        self, spec: Model, backup: str, start: dict[str, float]
    ) -> tuple[OptimizationRecord, dict[str, ParameterEntry]]:
        """Restore record and entries of backup file ``backup`` (no fit, so chi2 is NaN)."""
        restored = self._load_backup(spec.name, backup)
        moment = utc_now()
        record = OptimizationRecord(
            run_id=new_run_id(moment),
            kind="restore",
            model=spec.name,
            dataset_tag="restore",
            datasets=[],
            timestamp=format_timestamp(moment),
            optimized=[],
            fixed=[],
            frozen=[],
            start=start,
            final={name: entry.value for name, entry in self._merged(spec, restored).items()},
            chi2_start=None,
            chi2=None,
            chi2_by_dataset={},
            errors={},
            unconstrained=[],
            bounds_hit=[],
            converged=False,
            message=f"restored backup {backup}",
            method="restore",
            nfev=0,
            wall_s=0.0,
            restored_from=backup,
        )
        return record, dict(restored.parameters)

    # Document reading and recovery.

    def _current_document(self, name: str) -> ModelDocument | None:
        """The verified document, recovering (under the lock) from corruption or loss.

        A missing document means "never optimized" only when the model has no
        history and no backups; otherwise it was lost and is recovered like a
        corrupt one, never silently replaced by the built-in defaults.
        """
        document = self.paths(name)["document"]
        try:
            doc = _read_document(document, name)
            if doc is not None or not self._has_past(name):
                return doc
            reason = _MISSING
        except _Corrupt as corrupt:
            reason = str(corrupt)
        if self.read_only:
            return self._recover_in_memory(name, reason)
        with self._locked(name):
            return self._current_document_locked(name)

    def _current_document_locked(self, name: str) -> ModelDocument | None:
        """Like :meth:`_current_document` for a caller already holding the lock."""
        document = self.paths(name)["document"]
        try:
            doc = _read_document(document, name)
        except _Corrupt as reason:
            return self._recover_locked(name, str(reason))
        if doc is None and self._has_past(name):
            return self._recover_locked(name, _MISSING)
        return doc

    def _has_past(self, name: str) -> bool:
        """Whether ``name`` was ever written: a non-empty history or any backup file."""
        history = self.paths(name)["history"]
        try:
            if history.stat().st_size > 0:
                return True
        except FileNotFoundError:
            pass
        except OSError as error:
            raise StoreError(f"cannot access store path {history} ({error.strerror})") from None
        return bool(self._backup_paths(name))

    def _recover_locked(self, name: str, reason: str) -> ModelDocument | None:
        """Put the newest valid backup in place of a corrupt or missing document.

        Atomic at every instant: the corrupt file is first linked (or copied)
        aside, then the backup's copy replaces it in one rename, so a kill
        leaves either the corrupt document (recovered again next time) or the
        restored one, never no document at all.
        """
        document = self.paths(name)["document"]
        missing = reason == _MISSING
        aside = None
        if not missing:
            aside = document.with_name(
                f"{document.name}.corrupt-{utc_now().strftime(_BACKUP_STAMP)}"
            )
            keep_aside(document, aside)
        what = "is missing" if missing else f"is corrupt ({reason})"
        kept = "" if aside is None else f"copied it to {aside.name} and "
        for backup_name, doc in self._valid_backups_newest_first(name):
            atomic_write_text(document, doc.to_text())
            self._warn(f"store file {document} {what}; {kept}restored from backup {backup_name}")
            return doc
        if aside is not None:
            document.unlink(missing_ok=True)  # its copy is aside; the next write starts clean
        action = "nothing to set aside" if aside is None else f"moved it to {aside.name}"
        self._warn(self._no_backup_message(name, reason, action))
        return None

    def _recover_in_memory(self, name: str, reason: str) -> ModelDocument | None:
        """Read-only recovery: use the newest valid backup without touching any file."""
        document = self.paths(name)["document"]
        for backup_name, doc in self._valid_backups_newest_first(name):
            what = "is missing" if reason == _MISSING else f"is corrupt ({reason})"
            self._warn(
                f"store file {document} {what}; using backup {backup_name} "
                f"without repairing (read-only); run `cosmofit store restore {name} "
                f"--backup {backup_name}` to repair it"
            )
            return doc
        action = "nothing to set aside" if reason == _MISSING else "left it in place (read-only)"
        self._warn(self._no_backup_message(name, reason, action))
        return None

    def _no_backup_message(self, name: str, reason: str, action: str) -> str:
        document = self.paths(name)["document"]
        what = "is missing" if reason == _MISSING else f"is corrupt ({reason})"
        return (
            f"WARNING: store file {document} {what} and NO valid backup exists; "
            f"{action} and fell back to the BUILT-IN {name} defaults; recover optimized values "
            f"with `cosmofit store restore {name} --run RUN_ID` "
            f"(run ids: `cosmofit store history {name}`)"
        )

    # Backups.

    def _backup_paths(self, name: str) -> list[Path]:
        """Backup files of ``name``, oldest first (names embed sortable timestamps)."""
        directory = self.paths(name)["backups"]
        _check_kind(directory, "folder")
        if not directory.is_dir():
            return []
        pattern = re.compile(rf"{re.escape(name)}\.\d{{8}}T\d{{6}}\.\d{{6}}Z\.json")
        return sorted(p for p in directory.iterdir() if pattern.fullmatch(p.name))

    def _valid_backups_newest_first(self, name: str) -> Iterable[tuple[str, ModelDocument]]:
        for path in reversed(self._backup_paths(name)):
            try:
                doc = _read_document(path, name)
            except (_Corrupt, StoreError):
                continue
            if doc is not None:
                yield path.name, doc

    def _load_backup(self, name: str, backup: str) -> ModelDocument:
        directory = self.paths(name)["backups"]
        available = [path.name for path in self._backup_paths(name)]
        if backup not in available:
            listing = ", ".join(available[-3:]) if available else "none"
            raise StoreError(
                f"no backup {backup!r} of {name} in {directory} (newest: {listing}); "
                f"choose one with `cosmofit store restore {name} --backup NAME`"
            )
        try:
            doc = _read_document(directory / backup, name)
        except _Corrupt as reason:
            raise StoreError(
                f"backup {directory / backup} is corrupt ({reason}); choose another with "
                f"`cosmofit store restore {name} --backup NAME`"
            ) from None
        if doc is None:
            raise StoreError(f"backup {directory / backup} vanished while reading; try again")
        return doc

    def _write_backup_locked(self, name: str, doc: ModelDocument) -> Path:
        """Copy ``doc`` into ``backups/`` under a name later than every existing backup."""
        directory = self.paths(name)["backups"]
        directory.mkdir(exist_ok=True)
        moment = utc_now()
        existing = self._backup_paths(name)
        if existing:
            stamp = existing[-1].name[len(name) + 1 : -len(".json")]
            newest = datetime.strptime(stamp, _BACKUP_STAMP).replace(tzinfo=UTC)
            moment = max(moment, newest + timedelta(microseconds=1))
        path = directory / f"{name}.{moment.strftime(_BACKUP_STAMP)}.json"
        atomic_write_text(path, doc.to_text())
        return path

    def _rotate_backups_locked(self, name: str) -> None:
        for old in self._backup_paths(name)[: -self.backups_kept]:
            old.unlink(missing_ok=True)

    # History.

    def _read_history(self, name: str) -> tuple[list[OptimizationRecord], list[str]]:
        """Parse the history; bad lines become problems (messages), never exceptions.

        Read line by line with a bound per line, so an absurd file costs time,
        not memory; a path of the wrong kind is a StoreError.
        """
        path = self.paths(name)["history"]
        try:
            fd = open_regular(path, LOG_LIMIT)
        except FileNotFoundError:
            return [], []
        except NotARegularFile as error:
            raise _wrong_kind(path, error.problem, "file") from None
        except FileTooLarge as error:
            return [], [
                f"history {path} is {error.problem} and was not read; move it aside "
                f"(e.g. `mv {path} {path}.moved`) to start a new history"
            ]
        except OSError as error:
            raise StoreError(
                f"cannot read history {path} ({error.strerror}); check its permissions"
            ) from None
        records: list[OptimizationRecord] = []
        problems: list[str] = []
        with os.fdopen(fd, "rb") as handle:
            for number, (line, terminated) in enumerate(
                iter_lines_bounded(handle, LINE_LIMIT), start=1
            ):
                if line is not None and not line.strip():
                    continue
                try:
                    if line is None:
                        raise ValueError(f"line longer than {LINE_LIMIT} bytes")
                    record = OptimizationRecord.model_validate(parse_json(line), strict=True)
                except ValueError as error:
                    if not terminated:
                        problems.append(
                            f"history {path}: incomplete last line {number} (an interrupted "
                            "write) was skipped; the next update sets it aside"
                        )
                    else:
                        problems.append(
                            f"history {path} line {number} is corrupt ({short_reason(error)}) "
                            "and was skipped; delete that line to silence this warning"
                        )
                    continue
                if record.model != name:
                    problems.append(
                        f"history {path} line {number} is a {record.model!r} record and was "
                        f"skipped; move it to {record.model}.history.jsonl"
                    )
                    continue
                records.append(record)
        return records, problems

    def _settle_history_tail_locked(self, name: str) -> None:
        """Make sure the next record starts on a fresh line.

        An unterminated last line is either a complete record whose newline was
        lost (it gets the newline) or a torn fragment, which is saved to
        ``<history>.torn`` before being cut off, so nothing is deleted.
        """
        history = self.paths(name)["history"]
        tail = read_torn_tail(history)
        if tail is None:
            return
        offset, fragment = tail
        try:
            if len(fragment) > LINE_LIMIT:
                raise ValueError("longer than any record")
            OptimizationRecord.model_validate(parse_json(fragment), strict=True)
        except ValueError:
            torn = history.with_name(history.name + ".torn")
            append_line(torn, fragment.decode("utf-8", errors="backslashreplace"))
            truncate_durably(history, offset)
            self._warn(
                f"history {history} ended with an incomplete record from an interrupted "
                f"write; moved it to {torn.name}"
            )
            return
        append_line(history, "")  # terminates the complete record that lacked its newline

    def _commit_locked(
        self,
        name: str,
        previous: ModelDocument | None,
        doc: ModelDocument,
        record: OptimizationRecord,
    ) -> None:
        """Back up, log, replace, back up: each step leaves a valid store if the process dies.

        The history is written before the document, so the document's
        ``last_run_id`` always names a record that exists. The new document is
        backed up too, so the newest backup always equals the current file and a
        corrupted current file loses nothing.
        """
        paths = self.paths(name)
        history_size: int | None = None
        try:
            remove_stale_temps(self.root, temp_prefix(paths["document"]))
            remove_stale_temps(paths["backups"], f".{name}.")
            if previous is not None and not self._is_newest_backup(name, previous):
                self._write_backup_locked(name, previous)
            self._settle_history_tail_locked(name)
            history_size = _file_size(paths["history"])
            append_line(paths["history"], record.to_line())
            atomic_write_text(paths["document"], doc.to_text())
        except OSError as error:
            if not _holds(paths["document"], doc):
                if history_size is not None:
                    self._undo_append_locked(paths["history"], history_size)
                raise StoreError(
                    f"cannot write the store at {self.root} ({error.strerror or error}); run "
                    f"{record.run_id} was not stored and the store is unchanged; free some "
                    "space or fix the permissions and run again"
                ) from None
            self._warn(  # the document was replaced; only syncing its folder failed
                f"run {record.run_id} is stored, but syncing {self.root} to disk failed "
                f"({error.strerror or error}); check the disk"
            )
        try:  # the run is stored; a missing backup of it must not turn that into a failure
            self._write_backup_locked(name, doc)
            self._rotate_backups_locked(name)
        except OSError as error:
            self._warn(
                f"run {record.run_id} is stored, but its backup in {paths['backups']} could not "
                f"be written ({error.strerror or error}); free some space"
            )

    def _undo_append_locked(self, history: Path, size: int) -> None:
        """Cut the record appended by a failed update, so history and document agree.

        If even that fails, the record stays as an unapplied one that
        :meth:`unapplied_records` reports.
        """
        try:
            if _file_size(history) != size:
                truncate_durably(history, size)
        except OSError as error:
            self._warn(
                f"could not take the unstored record back out of {history} "
                f"({error.strerror or error}); `cosmofit validate` lists it as never applied"
            )

    def _is_newest_backup(self, name: str, doc: ModelDocument) -> bool:
        newest = next(iter(self._valid_backups_newest_first(name)), None)
        return newest is not None and newest[1].checksum == doc.checksum
