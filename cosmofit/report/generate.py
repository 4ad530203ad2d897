"""Write the report files: the summary in the store and, optionally, the HTML page beside a copy.

The page is rendered from the summary text exactly as written (parsed back
from the same bytes whose sha256 it embeds), so page, copy and hash always
belong together. Files are replaced atomically and the summary copy is
written before the page that refers to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosmofit.report.summary import (
    SUMMARY_NAME,
    build_summary,
    summary_path,
    summary_text,
    text_sha256,
    write_text_file,
)


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`generate_report` wrote."""

    summary: Path
    html: Path | None
    html_summary: Path | None
    summary_sha256: str


def generate_report(
    store, *, html: bool = False, out_dir: Path | str | None = None
) -> tuple[dict[str, Any], ReportFiles]:
    """Regenerate the store's summary and, with ``html``, the page in ``out_dir``.

    ``out_dir`` defaults to the store's ``reports/`` folder. Returns the
    summary (as parsed back from the written text) and the paths written.
    """
    text = summary_text(build_summary(store))
    digest = text_sha256(text)
    summary = json.loads(text)
    stored = summary_path(store)
    write_text_file(stored, text)
    if not html:
        return summary, ReportFiles(stored, None, None, digest)

    from cosmofit.report.html import REPORT_NAME, render_html
    from cosmofit.report.plots import render_plots, render_profile_plots

    folder = Path(out_dir).expanduser() if out_dir is not None else stored.parent
    copy = folder / SUMMARY_NAME
    page = render_html(
        summary, digest, render_plots(summary), SUMMARY_NAME, render_profile_plots(summary)
    )
    if copy.resolve() != stored.resolve():
        write_text_file(copy, text)
    write_text_file(folder / REPORT_NAME, page)
    return summary, ReportFiles(stored, folder / REPORT_NAME, copy, digest)
