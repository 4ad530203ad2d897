"""Every command shown in the README and docs runs as written.

Commands are the ``$ cosmofit ...`` lines of ```console blocks; each file's
commands run in order against one fresh store (later examples rely on the
state earlier ones created, as a reader following the page would).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def console_commands(page: Path) -> list[str]:
    return [
        line[2:].strip()
        for block in BLOCK.findall(page.read_text())
        for line in block.splitlines()
        if line.startswith("$ ")
    ]


def test_pages_have_examples():
    counted = {page.name: len(console_commands(page)) for page in PAGES}
    assert counted["README.md"] >= 4 and counted["usage.md"] >= 10, counted


@pytest.mark.parametrize("page", [p for p in PAGES if console_commands(p)], ids=lambda p: p.name)
def test_examples_run_as_written(page, tmp_path):
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        COSMOFIT_STORE=str(tmp_path / "store"),
        COSMOFIT_DATA_DIR=str(tmp_path / "datasets"),
    )
    env.pop("COSMOFIT_DEBUG", None)
    exe = shutil.which("cosmofit")
    for command in console_commands(page):
        args = shlex.split(command)
        assert args[0] == "cosmofit", command
        argv = ([exe] if exe else [sys.executable, "-m", "cosmofit.cli"]) + args[1:]
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, (
            f"{page.name}: `{command}` exited {proc.returncode}:\n{proc.stderr}"
        )
        assert "Traceback" not in proc.stderr
