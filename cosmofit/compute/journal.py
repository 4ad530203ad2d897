"""``results.jsonl``: every task result, appended and flushed the moment it arrives.

One JSON object per line, so a crash can only cut the last line short. On
``--resume`` a cut-off last line is ignored (and trimmed, so the next record
starts on a fresh line) and every complete record is reused when its task's
digest still matches; a damaged line anywhere else is a real problem and is
reported, not skipped. Failed tasks are recorded too and are not retried on
resume (a task that kills its workers would only kill them again): delete
their lines to retry them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from cosmofit.compute.tasks import Task, TaskResult
from cosmofit.errors import DataError, StoreError, UsageError
from cosmofit.safeio import LOG_LIMIT, UnreadableFile, read_bytes_bounded
from cosmofit.userpaths import check_directory

RESULTS_FILE = "results.jsonl"


class Journal:
    """The results of one run directory."""

    def __init__(self, directory: Path, *, resume: bool):
        self.directory = Path(directory)
        self.path = self.directory / RESULTS_FILE
        check_directory(self.directory, "run directory")
        if self.path.exists() and not self.path.is_file():
            raise DataError(
                f"{self.path} is not a regular file; move it out of the way "
                f"(e.g. `mv {self.path} {self.path}.moved`) and run again"
            )
        has_results = self.path.is_file() and self.path.stat().st_size > 0
        if has_results and not resume:
            raise UsageError(
                f"{self.directory} already holds {RESULTS_FILE} of an earlier run; add --resume "
                "to continue it, or choose another --out"
            )
        if resume and not self.directory.is_dir():
            raise UsageError(f"nothing to resume: {self.directory} does not exist")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the run directory {self.directory} ({error.strerror or error});"
                " choose a writable --out or --store"
            ) from None
        self.recorded: dict[str, TaskResult] = self._load() if has_results else {}
        self._file: IO[str] | None = None

    def _load(self) -> dict[str, TaskResult]:
        try:
            data = read_bytes_bounded(self.path, LOG_LIMIT)
        except UnreadableFile as error:
            raise DataError(f"{self.path} is {error}; use another --out") from None
        complete_end = data.rfind(b"\n") + 1
        if complete_end < len(data):
            # The last record was cut off mid-write: drop it so the next one starts cleanly.
            with self.path.open("r+b") as handle:
                handle.truncate(complete_end)
        recorded: dict[str, TaskResult] = {}
        lines = data[:complete_end].decode("utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                result = TaskResult.model_validate_json(line)
            except ValueError:  # pydantic's ValidationError included (bad JSON, depth, types)
                raise DataError(
                    f"{self.path} line {number} is not a task result; delete that line "
                    "to recompute its task"
                ) from None
            recorded[result.key] = result  # a later line for the same key wins
        return recorded

    def lookup(self, task: Task) -> TaskResult | None:
        """The recorded result of ``task``, if it was computed with the same inputs."""
        result = self.recorded.get(task.key)
        if result is None or result.digest != task.digest:
            return None
        return result.model_copy(update={"resumed": True})

    def append(self, result: TaskResult) -> None:
        try:
            if self._file is None:
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(result.model_dump_json() + "\n")
            self._file.flush()
        except OSError as error:
            raise StoreError(
                f"cannot record a result in {self.path} ({error.strerror or error}); the run "
                "stopped, and once there is space the same command with --resume --out "
                f"{self.directory} continues it"
            ) from None
        self.recorded[result.key] = result

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            with contextlib.suppress(OSError):  # a failed flush was reported by append()
                file.close()


def write_run_report(out_dir: Path | str | None, filename: str, result: BaseModel) -> None:
    """Write a run's final report (``profile.json``, ``jackknife.json``) atomically into its
    run directory, as strict JSON; nothing when the run has no directory.

    The results are already in ``results.jsonl`` by then, so a failed write is a
    warning added to ``result.warnings``, not a failed run.
    """
    if out_dir is None:
        return
    import json

    from cosmofit.jsonsafe import json_safe
    from cosmofit.store.atomic import atomic_write_text

    path = Path(out_dir) / filename
    text = json.dumps(json_safe(result), indent=2, allow_nan=False) + "\n"
    try:
        atomic_write_text(path, text)
    except OSError as error:
        result.warnings.append(  # type: ignore[attr-defined]
            f"could not write {path} ({error.strerror or error}); every result is in "
            f"{RESULTS_FILE} and `--resume --out {out_dir}` rewrites it"
        )
