"""Kill cosmofit at every file-system system call of its writing commands; check what is left.

Usage: python scripts/crash_sweep.py [--scenario NAME ...] [--sample N] [--json FILE]

For each scenario (a writing command run on a prepared store), the command is
first run once under ``strace -f -y -e trace=%file,write,...`` to record its
system calls. Every recorded call that touches the sandbox (the store, the
user data directory, the run or report folder) is a kill point: the command
is re-run on a fresh copy of the prepared state under ``strace -e
inject=SYSCALL:signal=KILL:when=K``, where K is that call's ordinal among the
process's calls of the same system call (strace counts injections per system
call and per process), so the process dies on entry to exactly that call,
with every earlier call done and that one not. The log of the killed run
confirms which call was hit. Then the invariants are checked:

* the store opens and answers without an exception;
* the current defaults equal the state before or after the command, never
  the built-in defaults when optimized values existed;
* every history line is a complete record, and no run id appears twice;
* no stale lock or leftover blocks the next write (a real write must succeed);
* scenario extras: a user dataset is either absent or loads and verifies; a
  report page, if present, matches its summary; a killed profile resumes to
  the same chi2 values as the uninterrupted run.

The ``execve`` that starts the command is not a kill point (strace starts the
program before it can inject; a kill there is simply "the command never ran").
Calls before the first touch of the sandbox (interpreter start, imports) are
not kill points either: no file of the sandbox exists in a changed state then, so a
kill there is the "old state" case that every kill point after it covers too.

Needs strace (``apt-get install strace``) and ptrace permission. The test
suite runs a sample (tests/store/test_crash_sweep.py); the full sweep is
``pytest -m slow tests/store/test_crash_sweep.py`` or this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: System calls recorded and used as kill points (the set the kill test is about).
TRACED = "%file,write,pwrite64,fsync,fdatasync,ftruncate,fchmod,flock"
MODEL = "lcdm"
#: The optimized parameters the checks compare (ns and the rest are never fitted here).
COMPARED = ("H0", "Om0", "Obh2")
BAO_MEAN = "# z value kind\n0.3 7.9 DV_over_rs\n0.5 13.6 DM_over_rs\n0.5 21.0 DH_over_rs\n"
BAO_COV = "0.02 0 0\n0 0.06 -0.03\n0 -0.03 0.3\n"
PROFILE_GRID = "0.30:0.33:4"


def strace_available() -> str | None:
    """Why the sweep cannot run here, or ``None`` if strace works."""
    if shutil.which("strace") is None:
        return "strace is not installed (apt-get install strace)"
    probe = subprocess.run(
        ["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"strace cannot trace here: {probe.stderr.strip()[:200]}"
    return None


def cosmofit_command() -> list[str]:
    """The console script next to this interpreter, else ``python -m cosmofit.cli``."""
    script = Path(sys.executable).with_name("cosmofit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cosmofit.cli"]


def environment(sandbox: Path) -> dict[str, str]:
    """A private, deterministic environment: same calls in the same order on every run."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("COSMOFIT_") and key not in ("DASK_SCHEDULER_ADDRESS",)
    }
    env.update(
        COSMOFIT_STORE=str(sandbox / "store"),
        COSMOFIT_DATA_DIR=str(sandbox / "datasets"),
        XDG_CONFIG_HOME=str(sandbox / "config"),
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        COLUMNS="120",
        TERM="dumb",
        NO_COLOR="1",
    )
    return env


def run_cosmofit(
    sandbox: Path, args: list[str], prefix: list[str] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, *cosmofit_command(), *args],
        cwd=sandbox,
        env=environment(sandbox),
        capture_output=True,
        text=True,
        timeout=600,
    )


# ----------------------------------------------------------------------------- the states


def store_values(sandbox: Path) -> dict[str, tuple[float, str]]:
    """(value, source) of the compared parameters, read through the store's public API."""
    from cosmofit.store import OptimizedParameterStore

    entries = OptimizedParameterStore(sandbox / "store", lock_timeout=5.0).get_model_defaults(MODEL)
    return {name: (entries[name].value, entries[name].source) for name in COMPARED}


def build_template(directory: Path) -> Path:
    """A sandbox with two optimized runs (cmb, then bao) and the release files for data add."""
    template = directory / "template"
    (template / "inputs").mkdir(parents=True)
    (template / "config").mkdir()
    (template / "inputs" / "mean.txt").write_text(BAO_MEAN)
    (template / "inputs" / "cov.txt").write_text(BAO_COV)
    for datasets in ("cmb", "bao"):
        done = run_cosmofit(template, ["optimize", datasets, "--model", MODEL])
        if done.returncode != 0:
            raise RuntimeError(f"preparing the template failed: {done.stderr[-2000:]}")
    return template


def first_run_id(sandbox: Path) -> str:
    line = (sandbox / "store" / f"{MODEL}.history.jsonl").read_text().splitlines()[0]
    return json.loads(line)["run_id"]


# ----------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    """A writing command, how to prepare its sandbox and what must hold after a kill."""

    name: str
    args: Callable[[Path], list[str]]
    prepare: Callable[[Path], None] = lambda sandbox: None
    extra_check: Callable[[Path, Path, dict], list[str]] = lambda sandbox, after, ref: []
    #: Whether the command is meant to change the store's current defaults.
    changes_store: bool = True


def _corrupt_document(sandbox: Path) -> None:
    (sandbox / "store" / f"{MODEL}.json").write_text('{"broken')


def _check_dataset(sandbox: Path, after: Path, reference: dict) -> list[str]:
    from cosmofit.data import loader, registry

    os.environ["COSMOFIT_DATA_DIR"] = str(sandbox / "datasets")
    loader.clear_cache()
    registry.refresh_user_datasets()
    problems = [str(problem) for problem in registry.user_dataset_problems()]
    if registry.find_dataset("mybao") is not None:
        values = list(loader.load_dataset("mybao").data.values)
        if values != [7.9, 13.6, 21.0]:
            problems.append(f"dataset mybao loads with wrong values {values}")
    # The next write is not blocked by anything the killed one left.
    loader.add_user_dataset(
        "mybao",
        "bao",
        [sandbox / "inputs" / "mean.txt", sandbox / "inputs" / "cov.txt"],
        overwrite=True,
    )
    return problems


def _check_report(sandbox: Path, after: Path, reference: dict) -> list[str]:
    from cosmofit.report.verify import check_report

    page = sandbox / "report" / "cosmofit_report.html"
    copy = sandbox / "report" / "optimization_summary.json"
    problems = []
    if page.exists():
        problems += [f"report page: {problem}" for problem in check_report(page, copy)]
    stored = sandbox / "store" / "reports" / "optimization_summary.json"
    if stored.exists():
        try:
            json.loads(stored.read_text())
        except ValueError as error:
            problems.append(f"{stored} is not whole JSON ({error})")
    return problems


def _data_add_args(sandbox: Path) -> list[str]:
    inputs = sandbox / "inputs"
    return [
        "data", "add", "mybao", "--kind", "bao",
        "--from", str(inputs / "mean.txt"), "--from", str(inputs / "cov.txt"),
    ]  # fmt: skip


def _profile_args(sandbox: Path) -> list[str]:
    return [
        "profile", "Om0", "cmb", "--model", MODEL, "--grid", PROFILE_GRID,
        "--scheduler", "none", "--out", str(sandbox / "run"), "--json",
    ]  # fmt: skip


def _check_profile(sandbox: Path, after: Path, reference: dict) -> list[str]:
    from cosmofit.compute.journal import Journal

    run = sandbox / "run"
    problems = []
    journal = run / "results.jsonl"
    if journal.exists():
        lines = [line for line in journal.read_bytes().split(b"\n")[:-1] if line.strip()]
        keys = Counter(json.loads(line)["key"] for line in lines)
        problems += [f"journal records task {key} {n} times" for key, n in keys.items() if n > 1]
        Journal(run, resume=True).close()  # opens (and trims a torn tail) without an error
    args = _profile_args(sandbox) + (["--resume"] if run.is_dir() else [])
    resumed = run_cosmofit(sandbox, args)
    if resumed.returncode != 0:
        return [*problems, f"resume failed (exit {resumed.returncode}): {resumed.stderr[-500:]}"]
    chi2 = json.loads((run / "profile.json").read_text())["chi2"]
    expected = reference["chi2"]
    if len(chi2) != len(expected) or any(
        abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(chi2, expected, strict=False)
    ):
        problems.append(f"resumed profile chi2 {chi2} differs from the full run's {expected}")
    return problems


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("optimize", lambda s: ["optimize", "cmb", "--model", MODEL, "--from-builtin"]),
        Scenario("store-restore", lambda s: ["store", "restore", MODEL, "--run", first_run_id(s)]),
        Scenario(
            "recovering-store-show",
            lambda s: ["store", "show", MODEL],
            prepare=_corrupt_document,
            changes_store=False,
        ),
        Scenario(
            "report-html",
            lambda s: ["report", "--html", "--out", str(s / "report")],
            extra_check=_check_report,
            changes_store=False,
        ),
        Scenario(
            "data-add",
            _data_add_args,
            # fmt: skip
            extra_check=_check_dataset,
            changes_store=False,
        ),
        Scenario(
            "profile-journal",
            _profile_args,
            extra_check=_check_profile,
            changes_store=False,
        ),
    )
}


# ----------------------------------------------------------------------------- invariants


def check_history(sandbox: Path) -> list[str]:
    """Every line a whole record, none torn, no run id twice (read raw, before any repair)."""
    from cosmofit.store.schema import OptimizationRecord

    path = sandbox / "store" / f"{MODEL}.history.jsonl"
    if not path.exists():
        return []
    raw = path.read_bytes()
    problems = []
    if raw and not raw.endswith(b"\n"):
        problems.append("history ends with a torn record")
    ids = []
    for number, line in enumerate(raw.split(b"\n")[:-1], start=1):
        try:
            ids.append(OptimizationRecord.model_validate_json(line).run_id)
        except ValueError as error:
            problems.append(f"history line {number} is not a record ({str(error)[:120]})")
    problems += [f"history holds run {run} {n} times" for run, n in Counter(ids).items() if n > 1]
    return problems


def check_sandbox(
    scenario: Scenario, sandbox: Path, before: dict, after: dict, reference: dict
) -> list[str]:
    """Every invariant of the module docstring; returns the violations."""
    from cosmofit.store import OptimizedParameterStore

    problems = check_history(sandbox)
    try:
        values = store_values(sandbox)
    except Exception as error:  # the point of the check: any exception is a failure
        return [*problems, f"the store does not open: {type(error).__name__}: {error}"]
    if values not in (before, after):
        sources = {name: source for name, (_, source) in values.items()}
        builtin = "BUILT-IN defaults; " if "default" in sources.values() else ""
        problems.append(f"current defaults are neither old nor new: {builtin}{values}")
    try:
        problems += scenario.extra_check(sandbox, after, reference)
    except Exception as error:
        problems.append(f"check raised {type(error).__name__}: {error}")
        traceback.print_exc()
    try:  # a real write: a stale lock or leftover would block or break it
        store = OptimizedParameterStore(sandbox / "store", lock_timeout=5.0)
        store.restore(MODEL, run_id=first_run_id(sandbox))
        problems += [p for p in store.check(MODEL) if "corrupt" in p or "missing" in p]
    except Exception as error:
        problems.append(f"the next write fails: {type(error).__name__}: {error}")
    return problems


# ----------------------------------------------------------------------------- strace


_CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?(\w+)\((.*)$")
_CWD = re.compile(r"AT_FDCWD<[^>]*>")


@dataclass(frozen=True)
class KillPoint:
    """The ``ordinal``-th call of ``syscall`` by the command's main process."""

    index: int  # position among the kill points of the scenario
    syscall: str
    ordinal: int
    text: str  # the recorded call, normalised, to confirm the kill landed there


def normalise(text: str, sandbox: Path) -> str:
    """A recorded call without what differs between runs (paths, temp names, fds, times)."""
    text = _CWD.sub("AT_FDCWD", text).replace(str(sandbox), "$S")
    text = re.sub(r"\.[A-Za-z0-9_]{8}\.tmp", ".T.tmp", text)
    text = re.sub(r"\d{8}T\d{6}(\.\d{6})?Z(-[0-9a-f]{6})?", "STAMP", text)
    text = re.sub(r"\d{8}-\d{6}", "STAMP", text)
    text = re.sub(r"\b\d+<", "N<", text)
    return text.split(") = ")[0][:160]


def touched(text: str) -> tuple[str, ...]:
    """The system call's name and the sandbox paths it names: what identifies a kill point."""
    return (text.split("(")[0], *re.findall(r"\$S[^\"'>,]*", text))


def record(scenario: Scenario, sandbox: Path, log: Path) -> tuple[list[KillPoint], int, dict]:
    """Run the command once under strace; its kill points, total traced calls, and the result."""
    args = scenario.args(sandbox)
    done = run_cosmofit(
        sandbox,
        args,
        ["strace", "-f", "-qq", "-y", "-s", "64", "-o", str(log), "-e", f"trace={TRACED}"],
    )
    if done.returncode != 0:
        raise RuntimeError(f"{scenario.name}: the uninterrupted run failed: {done.stderr[-2000:]}")
    reference = {}
    if scenario.name == "profile-journal":
        reference = json.loads((sandbox / "run" / "profile.json").read_text())
    main_pid = None
    counts: Counter[tuple[str, str]] = Counter()
    points: list[KillPoint] = []
    total = 0
    for line in log.read_text(errors="replace").splitlines():
        match = _CALL.match(line)
        if match is None or "resumed>" in line:
            continue
        pid, syscall, rest = match.groups()
        rest = _CWD.sub("AT_FDCWD", rest)  # -y names the working directory: not a touch
        main_pid = main_pid or pid
        total += 1
        counts[pid, syscall] += 1
        if pid == main_pid and syscall != "execve" and str(sandbox) in rest:
            text = normalise(f"{syscall}({rest}", sandbox)
            points.append(KillPoint(len(points), syscall, counts[pid, syscall], text))
    return points, total, reference


@dataclass
class Outcome:
    point: KillPoint
    killed: bool
    landed: bool
    problems: list[str] = field(default_factory=list)


def kill_at(
    scenario: Scenario, point: KillPoint, template: Path, work: Path, before, after, reference
) -> Outcome:
    sandbox = work / f"{scenario.name}-{point.index}"
    shutil.copytree(template, sandbox, symlinks=True)
    log = work / f"{scenario.name}-{point.index}.strace"
    inject = f"inject={point.syscall}:signal=KILL:when={point.ordinal}"
    prefix = ["strace", "-f", "-qq", "-y", "-s", "64", "-o", str(log)]
    prefix += ["-e", f"trace={point.syscall}", "-e", inject]
    done = run_cosmofit(sandbox, scenario.args(sandbox), prefix)
    killed = done.returncode in (-9, 137)
    calls = [line for line in log.read_text(errors="replace").splitlines() if _CALL.match(line)]
    last = next((ln for ln in reversed(calls) if "resumed>" not in ln), "")
    match = _CALL.match(last)
    landed = (
        killed
        and match is not None
        and touched(normalise(f"{match.group(2)}({match.group(3)}", sandbox)) == touched(point.text)
    )
    problems = [] if killed else [f"not killed (exit {done.returncode}): {done.stderr[-300:]}"]
    problems += check_sandbox(scenario, sandbox, before, after, reference)
    shutil.rmtree(sandbox, ignore_errors=True)
    log.unlink(missing_ok=True)
    return Outcome(point, killed, landed, problems)


def sweep(
    names: list[str], sample: int | None = None, progress: Callable[[str], object] | None = print
) -> dict:
    """Record and kill every scenario in ``names``; ``sample`` spreads that many points evenly."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="cosmofit-crash-") as scratch:
        work = Path(scratch)
        template = build_template(work)
        for name in names:
            scenario = SCENARIOS[name]
            started = time.monotonic()
            prepared = work / f"{name}-prepared"
            shutil.copytree(template, prepared, symlinks=True)
            scenario.prepare(prepared)
            before = store_values(prepared) if scenario.changes_store else None
            recorded = work / f"{name}-recorded"
            shutil.copytree(prepared, recorded, symlinks=True)
            points, total, reference = record(scenario, recorded, work / f"{name}.trace")
            after = store_values(recorded)
            before = before or after
            chosen = points
            if sample is not None and len(points) > sample:
                step = len(points) / sample
                chosen = [points[int(i * step)] for i in range(sample)]
            outcomes = [
                kill_at(scenario, point, prepared, work, before, after, reference)
                for point in chosen
            ]
            failures = [
                {"call": o.point.text, "problems": o.problems} for o in outcomes if o.problems
            ]
            results[name] = {
                "traced_calls": total,
                "kill_points": len(points),
                "tried": len(outcomes),
                "landed_exactly": sum(o.landed for o in outcomes),
                "syscalls": dict(Counter(o.point.syscall for o in outcomes)),
                "failures": failures,
                "seconds": round(time.monotonic() - started, 1),
            }
            if progress is not None:
                summary = results[name]
                progress(
                    f"{name}: {summary['tried']}/{summary['kill_points']} kill points tried, "
                    f"{summary['landed_exactly']} landed exactly, {len(failures)} failures "
                    f"({summary['seconds']} s)"
                )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--sample", type=int, help="kill points per scenario (default: all)")
    parser.add_argument("--json", type=Path, help="write the results here")
    options = parser.parse_args()
    missing = strace_available()
    if missing:
        print(f"crash sweep skipped: {missing}", file=sys.stderr)
        return 2
    results = sweep(options.scenario or list(SCENARIOS), options.sample)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
    tried = sum(r["tried"] for r in results.values())
    failed = sum(len(r["failures"]) for r in results.values())
    print(f"total: {len(results)} commands x {tried} kill points, {failed} failures")
    for name, result in results.items():
        for failure in result["failures"]:
            print(f"FAIL {name} at {failure['call']}: {failure['problems']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
