"""The page: escaping, self-containment, required sections, empty store, deterministic plots."""

from __future__ import annotations

import re

from cosmofit.report.generate import generate_report
from cosmofit.report.plots import render_plots
from cosmofit.report.verify import check_report
from cosmofit.store.store import OptimizedParameterStore


def test_record_note_is_escaped(rendered, hostile_note):
    page = rendered.html.read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34;" in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page  # a provenance path
    assert page.count("<script") == 1  # only the report's own loader
    assert rendered.summary_data["models"]["lcdm"]["last_optimization"]["note"] == hostile_note


def test_page_is_self_contained(rendered):
    page = rendered.html.read_text()
    assert not re.search(r"<link\b|\bsrc=|@import|url\((?!#)|<iframe|<object", page)
    urls = re.findall(r"https?://", page)
    namespaces = re.findall(r'\bxmlns(?::\w+)?="https?://', page)
    assert len(urls) == len(namespaces) > 0  # only SVG namespace names, which are never fetched


def test_page_has_every_section(rendered):
    page = rendered.html.read_text()
    for anchor in ("comparison", "model-lcdm", "model-pbuf", "consistency", "plots",
                   "datasets", "provenance"):  # fmt: skip
        assert f'id="{anchor}"' in page
    assert page.count("<svg") == 6
    assert page.count('class="badge optimized"') == 2 + 3
    assert page.count('class="badge frozen"') == 2
    assert '<span class="badge warn">at bound</span>' in page
    assert "Brout et al. 2022" in page
    assert "Lowest AIC" in page and "lowest BIC" in page
    assert "deltas are relative to it" not in page  # each row has its own reference
    assert "Plot unavailable" not in page
    assert "wcdm is not optimized yet" in page  # every registered model has a section


def test_element_ids_are_unique_across_figures(rendered):
    ids = re.findall(r'\bid="([^"]+)"', rendered.html.read_text())
    assert len(ids) == len(set(ids))


def test_empty_store_renders(tmp_path):
    store = OptimizedParameterStore(tmp_path / "never-written")
    summary, files = generate_report(store, html=True)
    page = files.html.read_text()
    assert files.html == tmp_path / "never-written" / "reports" / "cosmofit_report.html"
    assert "No model has been optimized yet" in page
    assert "lcdm is not optimized yet" in page and "pbuf is not optimized yet" in page
    assert page.count("<svg") == 6
    assert check_report(files.html, files.summary) == []


def test_one_model_not_optimized(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path)
    store.update_model_defaults(make_record("pbuf", chi2_table["pbuf"]))
    _, files = generate_report(store, html=True)
    page = files.html.read_text()
    assert "lcdm is not optimized yet" in page and "pbuf is not optimized yet" not in page
    assert "fewer than two models have been optimized" in page
    assert check_report(files.html, files.summary) == []


def test_plots_are_deterministic(rendered):
    first = {plot.key: plot.svg for plot in render_plots(rendered.summary_data)}
    second = {plot.key: plot.svg for plot in render_plots(rendered.summary_data)}
    assert first == second
    assert all(svg and svg.startswith("<svg") for svg in first.values())
    assert "des_dovekie" in first["sn2"]  # the second SN sample beside Pantheon+
    assert "sh0es: H0" in first["prior"] and "bbn: omega_b" in first["prior"]


def test_bound_conditional_errors_are_marked(rendered):
    """pbuf's k_sat ended on its bound: its other errors and its AIC say so."""
    page = rendered.html.read_text()
    last = rendered.summary_data["models"]["pbuf"]["last_optimization"]
    assert last["errors_conditional_on"] == ["k_sat"]
    assert page.count("conditional on k_sat at bound") == len(last["errors"])
    assert "pbuf ended with" in page and '<span class="badge warn">ended on a bound</span>' in page


def test_no_green_badge_beside_an_abnormal_message(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path)
    record = make_record("lcdm", chi2_table["lcdm"]).model_copy(
        update={"message": "ABNORMAL: (after restart: no further decrease of chi2)"}
    )
    store.update_model_defaults(record)
    _, files = generate_report(store, html=True)
    section = files.html.read_text().split('id="model-lcdm"')[1].split("</section>")[0]
    assert "accepted after restart" in section and 'class="badge ok"' not in section


def test_a_fit_outside_the_standard_early_universe_says_so(rendered):
    """pbuf at k_sat = 0.1 (its lower bound) rescales radiation at z*."""
    page = rendered.html.read_text()
    models = rendered.summary_data["models"]
    assert models["lcdm"]["last_optimization"]["early_universe_warning"] is None
    assert "pre-recombination" in models["pbuf"]["last_optimization"]["early_universe_warning"]
    assert page.count("outside standard early universe") == 1
