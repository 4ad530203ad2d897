"""Flags and terminal plumbing shared by the commands that run tasks on the compute engine.

Only typer and the standard library are imported here at module level, so
``cosmofit --help`` stays fast; the engine (and Dask) load when a command runs.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cosmofit.commands._output import plain, stderr

if TYPE_CHECKING:
    from cosmofit.compute.engine import RunInterrupted

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        show_default="auto, or [compute] scheduler",
        help=(
            "Where tasks run: none, local, auto, or a scheduler address tcp://host:8786 "
            "(docs/usage.md, 'Many optimizations')."
        ),
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Workers of a local cluster (default: [compute] workers, 2).",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help=(
            "Run directory for results.jsonl, the report and the cluster's scratch space "
            "(default: a new folder in the store)."
        ),
        show_default=False,
    ),
]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="Continue the run in --out DIR (which --resume needs), skipping recorded tasks.",
    ),
]


def compute_choice(scheduler: str | None, workers: int | None) -> dict[str, Any]:
    """--scheduler and --workers, falling back to the [compute] configuration."""
    from cosmofit.config import load_config

    compute = load_config({"compute": {"scheduler": scheduler, "workers": workers}}).config.compute
    return {
        "scheduler": compute.scheduler,
        "workers": compute.workers,
        "worker_timeout": compute.worker_timeout,
    }


def run_directory(
    out: Path | None, *, resume: bool, store: str | None, kind: str, stem: str
) -> Path:
    """``--out`` as given, or a new ``<store root>/<kind>/<stem>-<UTC timestamp>`` directory.

    Runs land in the store by default so that ``cosmofit report`` finds them;
    ``store`` is ``--store`` and falls back to the ``[run] store`` setting.
    Nothing is created here: the engine makes the directory when the run starts.
    """
    if out is not None:
        from cosmofit.userpaths import check_directory

        return check_directory(out, "--out")
    if resume:
        from cosmofit.errors import UsageError

        raise UsageError("--resume needs --out DIR, the directory of the run to continue")
    from cosmofit.config import store_directory
    from cosmofit.store.store import resolve_store_root

    root = resolve_store_root(store_directory(store))
    stem = re.sub(r"[^\w.+-]", "_", stem).lstrip(".") or "run"  # one plain folder name
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    candidate = root / kind / f"{stem}-{stamp}"
    suffix = 2
    while candidate.exists():
        candidate = root / kind / f"{stem}-{stamp}-{suffix}"
        suffix += 1
    return candidate


def resume_command(out_dir: Path | None) -> str:
    """This command line again, with ``--resume`` and ``--out`` added if missing."""
    args = list(sys.argv[1:])
    if "--resume" not in args:
        args.append("--resume")
    if (
        out_dir is not None
        and "--out" not in args
        and not any(a.startswith("--out=") for a in args)
    ):
        args += ["--out", str(out_dir)]
    return shlex.join(["cosmofit", *args])


def exit_interrupted(error: RunInterrupted) -> None:
    """Tell the user how to continue an interrupted run, and exit 130."""
    console = stderr()
    console.print(f"[yellow]{plain(str(error))}[/yellow]", highlight=False)
    console.print(f"continue with: {resume_command(error.out_dir)}", markup=False)
    raise typer.Exit(130)


@contextmanager
def task_progress(*, quiet: bool) -> Iterator[Any]:
    """A rich progress bar per phase on stderr; yields the ``on_progress`` callback."""
    if quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tasks"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )
    bars: dict[str, Any] = {}

    def on_progress(phase: str, done: int, total: int) -> None:
        if phase not in bars:
            bars[phase] = progress.add_task(phase, total=total)
        progress.update(bars[phase], completed=done, total=total)

    with progress:
        yield on_progress


def run_on_engine(
    service,
    *,
    out: Path | None,
    resume: bool,
    store: str | None,
    kind: str,
    stem: str,
    scheduler: str | None,
    workers: int | None,
    json_output: bool,
    render,
) -> None:
    """The life of an engine command: pick the run directory and the cluster, run
    ``service(compute, on_progress)`` with a progress bar, handle Ctrl-C, print the result."""
    from cosmofit.commands._output import print_json
    from cosmofit.compute.engine import ComputeOptions, RunInterrupted
    from cosmofit.settings import make_settings

    out_dir = run_directory(out, resume=resume, store=store, kind=kind, stem=stem)
    compute = make_settings(
        ComputeOptions, **compute_choice(scheduler, workers), out_dir=out_dir, resume=resume
    )
    try:
        with task_progress(quiet=json_output) as on_progress:
            result = service(compute, on_progress)
    except RunInterrupted as error:
        exit_interrupted(error)
    if json_output:
        print_json(result)
    else:
        render(result)
    for warning in result.warnings:
        stderr().print(f"[yellow]warning[/yellow]: {plain(warning)}")
