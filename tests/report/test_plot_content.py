"""What the figures plot: chi2 per dataset tag against run order; BAO over a fiducial."""

from __future__ import annotations

import numpy as np

from cosmofit.report.plots import bao_distances, chi2_history


def test_chi2_history_has_one_panel_per_dataset_tag_against_run_order(rendered):
    summary = rendered.summary_data
    figure = chi2_history(summary)
    axes = figure.get_axes()
    tags = {p["dataset_tag"] for s in summary["models"].values() for p in s["chi2_history"]}
    assert sorted(a.get_title() for a in axes) == sorted(tags)  # never two tags on one axis
    for panel in axes:
        assert panel.get_xlabel().startswith("run on ") and panel.get_ylabel() == "chi2"
        for line in panel.get_lines():
            order = np.asarray(line.get_xdata())
            assert np.all(order == np.round(order)) and order.min() >= 1  # run numbers
        assert panel.get_yscale() == "linear"


def test_bao_panels_are_relative_to_the_fiducial_with_labelled_axes(rendered):
    figure = bao_distances(rendered.summary_data)
    for panel in figure.get_axes():
        assert panel.get_xlabel() == "redshift z"
        assert panel.get_ylabel().endswith("/ fiducial")
        data = [c for c in panel.containers if hasattr(c, "lines")]
        for container in data:
            y = np.asarray(container.lines[0].get_ydata())
            assert np.all(np.abs(y - 1.0) < 0.1)  # ratios, not raw D/r_d of ~10-40
        curves = [np.asarray(line.get_ydata()) for line in panel.get_lines()[:2]]
        assert all(np.all(np.abs(c - 1.0) < 0.1) for c in curves)
