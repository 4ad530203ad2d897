"""Profile runs in the report: a real ``cosmofit profile`` run lands in the store and is drawn.

The ``profiled`` fixture (conftest.py) runs one small profile through the CLI
for the session; tests that add files work on a copy of its store.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.report.generate import generate_report
from cosmofit.report.plots import profile_curve, render_profile_plots, to_svg
from cosmofit.report.verify import check_report
from cosmofit.store.store import OptimizedParameterStore

#: Directory names ``run_directory`` gives a profile of Om0.
RUN_NAME = re.compile(r"Om0-\d{8}-\d{6}(-\d+)?")


def copy_store(profiled, tmp_path: Path) -> Path:
    """A private copy, so a test can add files without disturbing the others."""
    root = tmp_path / "store"
    shutil.copytree(profiled.root, root)
    return root


def report(root: Path) -> tuple[dict, str, Path, Path]:
    """``cosmofit report --html`` on ``root``: summary, page text and the two file paths."""
    proc = CliRunner().invoke(app, ["report", "--html", "--store", str(root)])
    assert proc.exit_code == 0, proc.output
    html = root / "reports" / "cosmofit_report.html"
    summary = root / "reports" / "optimization_summary.json"
    return json.loads(summary.read_text()), html.read_text(), html, summary


def test_profile_run_lands_in_the_store(profiled):
    assert RUN_NAME.fullmatch(profiled.run.name)
    assert (profiled.run / "profile.json").is_file()
    assert (profiled.run / "results.jsonl").is_file()
    assert "results in" in profiled.output and profiled.run.name in profiled.output
    stored = json.loads((profiled.run / "profile.json").read_text())
    assert stored["model"] == "lcdm" and stored["datasets"] == ["desi_dr2"]
    assert stored["created"].endswith("Z")


def test_report_has_the_profile_section(profiled, tmp_path):
    root = copy_store(profiled, tmp_path)
    summary, page, html, summary_file = report(root)
    assert summary["schema_version"] == 5
    assert summary["warnings"] == []
    (entry,) = summary["profiles"]
    stored = json.loads((profiled.run / "profile.json").read_text())
    assert entry["run"] == profiled.run.name
    assert entry["param"] == "Om0" and entry["model"] == "lcdm"
    assert entry["datasets"] == ["desi_dr2"]
    assert entry["grid"] == pytest.approx([0.28, 0.29, 0.30, 0.31])
    for key in ("chi2", "delta_chi2", "best", "interval_1sigma", "interval_2sigma",
                "hessian_sigma", "wall_s", "created"):  # fmt: skip
        assert entry[key] == stored[key], key
    assert entry["failed"] == 0
    low, high = entry["interval_1sigma"]
    assert low < entry["best"] < high
    assert entry["hessian_sigma"] > 0

    assert 'id="profiles"' in page and "Profile likelihoods" in page
    assert "No profile runs recorded" not in page
    assert page.count("<svg") == 6 + 1
    for key in ("param", "model", "datasets/0", "best", "interval_1sigma/0", "interval_1sigma/1",
                "interval_2sigma/0", "interval_2sigma/1", "hessian_sigma", "failed"):  # fmt: skip
        assert f'data-key="/profiles/0/{key}"' in page, key
    assert check_report(html, summary_file) == []


def test_an_edited_profile_value_is_caught(profiled, tmp_path):
    root = copy_store(profiled, tmp_path)
    summary, page, html, summary_file = report(root)
    best = repr(summary["profiles"][0]["best"])
    marker = f'data-key="/profiles/0/best" data-value="{best}"'
    assert marker in page
    html.write_text(page.replace(marker, 'data-key="/profiles/0/best" data-value="0.25"'))
    problems = check_report(html, summary_file)
    assert len(problems) == 1 and "/profiles/0/best" in problems[0]


def test_broken_profile_files_warn_but_the_report_renders(profiled, tmp_path):
    root = copy_store(profiled, tmp_path)
    corrupt = root / "profiles" / "<b>corrupt"
    corrupt.mkdir()
    (corrupt / "profile.json").write_text('{"param": "Om0", "grid": [0.3,')
    short = root / "profiles" / "short-chi2"
    short.mkdir()
    stored = json.loads((profiled.run / "profile.json").read_text())
    (short / "profile.json").write_text(json.dumps(dict(stored, chi2=stored["chi2"][:2])))
    (root / "profiles" / "unfinished").mkdir()

    summary, page, html, summary_file = report(root)
    assert [p["run"] for p in summary["profiles"]] == [profiled.run.name]
    warnings = summary["warnings"]  # in directory-name order
    assert len(warnings) == 3
    assert "profiles/<b>corrupt/profile.json" in warnings[0]
    assert "invalid json" in warnings[0].lower()
    assert "profiles/short-chi2/profile.json" in warnings[1] and "differ in length" in warnings[1]
    assert "profiles/unfinished/profile.json is missing" in warnings[2]
    assert "<b>corrupt" not in page and "&lt;b&gt;corrupt" in page
    assert page.count("<svg") == 6 + 1
    assert check_report(html, summary_file) == []


def test_report_command_prints_the_warnings(profiled, tmp_path):
    root = copy_store(profiled, tmp_path)
    (root / "profiles" / "broken").mkdir()
    (root / "profiles" / "broken" / "profile.json").write_text("not json")
    proc = CliRunner().invoke(app, ["report", "--store", str(root)])
    assert proc.exit_code == 0, proc.output
    assert "skipped profiles/broken/profile.json" in proc.stderr


def test_no_profiles_is_an_empty_state(rendered):
    assert rendered.summary_data["profiles"] == []
    assert rendered.summary_data["warnings"] == []
    page = rendered.html.read_text()
    assert 'id="profiles"' in page and "No profile runs recorded in" in page
    assert f"{rendered.store_root}</span>/profiles" in page


def test_profile_plot_draws_the_parabola_only_with_a_sigma(profiled, tmp_path):
    summary = generate_report(OptimizedParameterStore(copy_store(profiled, tmp_path)))[0]
    (entry,) = summary["profiles"]
    with_sigma = to_svg(profile_curve(entry), prefix="a")
    without = to_svg(profile_curve(dict(entry, hessian_sigma=None)), prefix="a")
    assert "Hessian parabola" in with_sigma and "Hessian parabola" not in without
    for svg in (with_sigma, without):
        assert "delta chi2 = 1" in svg and "delta chi2 = 4" in svg
    failed = to_svg(profile_curve(dict(entry, delta_chi2=[None] * 4)), prefix="b")
    assert "no finite grid point" in failed


def test_profile_plots_are_deterministic(profiled, tmp_path):
    summary = generate_report(OptimizedParameterStore(copy_store(profiled, tmp_path)))[0]
    first, second = render_profile_plots(summary), render_profile_plots(summary)
    assert [p.svg for p in first] == [p.svg for p in second]
    assert first[0].svg is not None and first[0].svg.startswith("<svg")
    assert 'id="fig-profile-0-' in first[0].svg
