"""``report --html`` over a hand-edited history: NaN, infinite or year-9999 values cost at
most one figure, never the report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cosmofit.cli import app
from cosmofit.store.store import OptimizedParameterStore


@pytest.mark.parametrize(
    "edit",
    [
        {"chi2": float("nan"), "chi2_by_dataset": {"planck18_priors": float("nan")}},
        {"chi2": float("inf"), "errors": {"H0": float("nan")}},
        {"timestamp": "9999-12-31T23:59:59.999999Z"},
        {"timestamp": "0001-01-01T00:00:00.000000Z"},
    ],
)
def test_report_html_survives_hand_edited_values(edit, make_record, tmp_path):
    root = tmp_path / "store"
    OptimizedParameterStore(root).update_model_defaults(
        make_record("lcdm", {"planck18_priors": 2.0})
    )
    history = root / "lcdm.history.jsonl"
    record = json.loads(history.read_text())
    history.write_text(json.dumps({**record, **edit}) + "\n")  # json writes NaN and Infinity
    result = CliRunner().invoke(
        app, ["report", "--html", "--json"], env={"COSMOFIT_STORE": str(root), "COSMOFIT_DEBUG": ""}
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    page = json.loads(result.stdout)["html_file"]
    assert page and (root / "reports").is_dir()
