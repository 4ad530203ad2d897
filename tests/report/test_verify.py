"""check_report: a fresh report is consistent; any edit to the page or the summary is caught."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from cosmofit.report.verify import check_report


@pytest.fixture
def copies(rendered, tmp_path):
    """Private copies of the session's report files, free to tamper with."""
    html = tmp_path / rendered.html.name
    summary = tmp_path / rendered.summary.name
    shutil.copy(rendered.html, html)
    shutil.copy(rendered.summary, summary)
    return html, summary


TOTAL_KEY = "/models/pbuf/last_optimization/chi2"


def _total_cell(page: str) -> re.Match:
    match = re.search(
        rf'<span data-key="{TOTAL_KEY}" data-value="([^"]+)" data-digits="6">([^<]+)</span>', page
    )
    assert match is not None, "the pbuf total chi2 is not displayed"
    return match


def test_fresh_report_is_consistent(rendered):
    assert check_report(rendered.html, rendered.summary) == []


def test_every_table_number_is_bound_to_the_summary(rendered):
    page = rendered.html.read_text()
    keys = set(re.findall(r'data-key="([^"]+)"', page))
    for model in ("lcdm", "pbuf"):
        for name in ("chi2", "n_data", "k", "aic", "bic"):
            assert f"/models/{model}/last_optimization/{name}" in keys
        assert f"/comparison/delta_aic/{model}" in keys
        assert f"/models/{model}/last_optimization/chi2_by_dataset/pantheon+" in keys
    assert len(keys) > 150


def test_edited_value_in_page_is_reported(copies):
    html, summary = copies
    page = html.read_text()
    cell = _total_cell(page)
    html.write_text(page.replace(cell.group(0), cell.group(0).replace(cell.group(1), "1400.0"), 1))
    problems = check_report(html, summary)
    assert len(problems) == 1 and TOTAL_KEY in problems[0] and "1400.0" in problems[0]


def test_edited_text_in_page_is_reported(copies):
    html, summary = copies
    page = html.read_text()
    cell = _total_cell(page)
    edited = cell.group(0).replace(f">{cell.group(2)}<", ">1300.5<")
    html.write_text(page.replace(cell.group(0), edited, 1))
    problems = check_report(html, summary)
    assert len(problems) == 1 and "displays '1300.5'" in problems[0]


def test_edited_summary_is_reported(copies):
    html, summary = copies
    data = json.loads(summary.read_text())
    data["models"]["pbuf"]["last_optimization"]["chi2"] += 1.0
    summary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    problems = check_report(html, summary)
    assert any("sha256" in problem for problem in problems)
    assert any(TOTAL_KEY in problem for problem in problems)


def test_removed_summary_key_and_missing_files_are_reported(copies, tmp_path):
    html, summary = copies
    data = json.loads(summary.read_text())
    del data["comparison"]["delta_aic"]["lcdm"]
    summary.write_text(json.dumps(data))
    assert any("does not have" in problem for problem in check_report(html, summary))
    assert "cannot read" in check_report(tmp_path / "absent.html", summary)[0]
    assert "embeds no summary sha256" in check_report(summary, summary)[0]
