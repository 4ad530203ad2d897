"""The page in a real browser: headless Chromium loads it without console errors and draws it.

The screenshot stays in pytest's temporary folder for a person to look at.
A deliberately broken page first proves the console check can fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)

#: Console lines Chromium writes to stderr with --enable-logging=stderr --v=0.
CONSOLE = re.compile(r"CONSOLE|Uncaught")


def chromium(page: Path, workdir: Path, *action: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``page``, offline (every host name fails to resolve)."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={workdir / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *action,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def console_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if CONSOLE.search(line)]


def test_console_check_catches_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>throw new Error('boom')</script>")
    result = chromium(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert any("Uncaught Error: boom" in line for line in console_lines(result))


def test_report_loads_and_draws(rendered, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("chromium")
    screenshot = workdir / "report.png"
    shot = chromium(rendered.html, workdir, f"--screenshot={screenshot}", "--window-size=1400,4000")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_lines(shot) == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000  # a drawn page, not a blank one

    dom = chromium(rendered.html, workdir, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_lines(dom) == []
    root = re.search(r"<html[^>]*>", dom.stdout)
    assert root is not None
    assert 'data-report-loaded="true"' in root.group(0)
    assert 'data-figures="6"' in root.group(0)
    assert len(re.findall(r"<svg\b", dom.stdout)) == 6
    assert "<script>alert(1)</script>" not in dom.stdout
    print(f"screenshot: {screenshot}")


def test_report_with_a_profile_loads_and_draws(profiled, tmp_path):
    from cosmofit.report.generate import generate_report
    from cosmofit.store.store import OptimizedParameterStore

    store = OptimizedParameterStore(profiled.root, read_only=True)
    _, files = generate_report(store, html=True, out_dir=tmp_path / "site")
    assert files.html is not None
    dom = chromium(files.html, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_lines(dom) == []
    root = re.search(r"<html[^>]*>", dom.stdout)
    assert root is not None
    assert 'data-report-loaded="true"' in root.group(0)
    assert 'data-figures="7"' in root.group(0)  # the six plots and the profile's curve
    assert (
        len(re.findall(r'<figure id="plot-profile-0">\s*<div class="plot-box"><svg\b', dom.stdout))
        == 1
    )


@pytest.mark.parametrize("width", [420, 1400])
def test_no_sideways_page_scroll_on_a_phone_or_a_desktop(rendered, tmp_path_factory, width):
    """At 420 px tables and plots scroll inside their own boxes; the page does not."""
    workdir = tmp_path_factory.mktemp(f"chromium-{width}")
    dom = chromium(rendered.html, workdir, "--dump-dom", f"--window-size={width},2000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    root = re.search(r"<html[^>]*>", dom.stdout).group(0)
    assert 'data-report-loaded="true"' in root
    assert 'data-page-overflow="false"' in root
    screenshot = workdir / f"report-{width}.png"
    shot = chromium(
        rendered.html, workdir, f"--screenshot={screenshot}", f"--window-size={width},3000"
    )
    assert shot.returncode == 0 and screenshot.stat().st_size > 20_000
    print(f"screenshot: {screenshot}")
