"""The w0-wa plane: drawn for a store holding a w0-wa fit, absent otherwise."""

from __future__ import annotations

from matplotlib import rc_context

from cosmofit.report.plots import STYLE, dark_energy_fits, to_svg, w0wa_plane
from cosmofit.report.summary import build_summary
from cosmofit.store.store import OptimizedParameterStore


def _w0wa_record(make_record, chi2_table):
    record = make_record("w0wa", chi2_table["lcdm"])
    final = {**record.final, "w0": -0.84, "wa": -0.62}
    return record.model_copy(
        update={
            "final": final,
            "optimized": [*record.optimized, "w0", "wa"],
            "fixed": [n for n in record.fixed if n not in ("w0", "wa")],
            "errors": {**record.errors, "w0": 0.06, "wa": 0.21},
        }
    )


def test_w0wa_fit_gets_the_plane(tmp_path, make_record, chi2_table):
    store = OptimizedParameterStore(tmp_path / "store")
    store.update_model_defaults(_w0wa_record(make_record, chi2_table))
    store.update_model_defaults(make_record("lcdm", chi2_table["lcdm"]))
    summary = build_summary(store, ("lcdm", "w0wa"))
    assert list(dark_energy_fits(summary)) == ["w0wa"]  # lcdm has no w0, wa: not drawn
    with rc_context(STYLE):
        svg = to_svg(w0wa_plane(summary), prefix="fig-w0wa")
    assert svg.startswith("<svg")
    assert "w0wa (planck18_priors+desi_dr2+pantheon+ fit)" in svg
    assert "LCDM (w0 = -1, wa = 0)" in svg and "unphysical" in svg


def test_no_dark_energy_fit_no_plane(rendered):
    # The report's figures skip the plane when no stored fit moved w0 and wa.
    assert dark_energy_fits(rendered.summary_data) == {}
    assert "w0-wa plane" not in rendered.html.read_text()
