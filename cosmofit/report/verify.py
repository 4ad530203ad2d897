"""Integrity check of a written report against its summary (for ``cosmofit validate``).

The page embeds the sha256 of the summary it was rendered from and writes
every displayed value with its summary key, exact value and digits. The check
recomputes the hash and, for each value, looks the key up in the summary and
compares both the exact value and the visible text; an edited page or an
edited summary is reported, never silently trusted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from cosmofit.report.summary import text_sha256
from cosmofit.report.values import (
    DIGITS_ATTR,
    KEY_ATTR,
    VALUE_ATTR,
    MissingKey,
    display,
    exact,
    is_scalar,
    resolve,
)
from cosmofit.safeio import RUN_REPORT_LIMIT, UnreadableFile, parse_json, read_bytes_bounded

#: ``<meta name=…>`` holding the summary's sha256.
SHA_META = "cosmofit-summary-sha256"
#: Elements without an end tag (they never close a displayed value).
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class DisplayedValue:
    """One element carrying ``data-key``: what it claims and what it shows."""

    key: str
    value: str | None
    digits: str | None
    text: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    """Collects the embedded sha256 and every element with a ``data-key``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sha256: str | None = None
        self.values: list[DisplayedValue] = []
        self._open: DisplayedValue | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") == SHA_META:
            self.sha256 = attributes.get("content")
        if self._open is not None:
            self._depth += tag not in _VOID
        elif KEY_ATTR in attributes and tag not in _VOID:
            key = attributes[KEY_ATTR] or ""
            self._open = DisplayedValue(
                key, attributes.get(VALUE_ATTR), attributes.get(DIGITS_ATTR)
            )
            self._depth = 0

    def handle_endtag(self, tag: str) -> None:
        if self._open is None:
            return
        if self._depth == 0:
            self.values.append(self._open)
            self._open = None
        else:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)


def _same(claimed: str | None, value: object) -> bool:
    """Whether ``data-value`` equals the summary value (numbers compared as numbers)."""
    if claimed is None:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(claimed)
        except ValueError:
            return False
        return math.isfinite(number) and number == float(value)
    return claimed == exact(value)


def _check_value(item: DisplayedValue, summary: dict) -> str | None:
    """The problem with one displayed value, or ``None``."""
    try:
        value = resolve(summary, item.key)
    except MissingKey:
        return f"report shows a value for {item.key!r}, which the summary does not have"
    if not is_scalar(value):
        return f"report shows {item.key!r} as one value, but the summary holds an object there"
    if not _same(item.value, value):
        return (
            f"{item.key}: the report embeds {item.value!r} but the summary holds {exact(value)!r}"
        )
    try:
        digits = int(item.digits or "")
    except ValueError:
        return f"{item.key}: missing or malformed {DIGITS_ATTR} {item.digits!r}"
    text = "".join(item.text)
    if text != display(value, digits):
        return f"{item.key}: the report displays {text!r}, expected {display(value, digits)!r}"
    return None


def check_report(html_path: Path | str, summary_path: Path | str) -> list[str]:
    """Problems found comparing the report page with its summary file; empty means consistent."""
    html_path, summary_path = Path(html_path), Path(summary_path)
    try:
        page = read_bytes_bounded(html_path, RUN_REPORT_LIMIT).decode("utf-8")
        text = read_bytes_bounded(summary_path, RUN_REPORT_LIMIT).decode("utf-8")
    except (OSError, UnreadableFile, UnicodeDecodeError) as error:
        return [f"cannot read the report files ({error}); regenerate with `cosmofit report --html`"]
    try:
        summary = parse_json(text)
    except ValueError as error:
        return [f"{summary_path} is not valid JSON ({error}); regenerate it with `cosmofit report`"]
    collector = _Collector()
    collector.feed(page)
    collector.close()
    problems = []
    digest = text_sha256(text)
    if collector.sha256 is None:
        problems.append(f"{html_path} embeds no summary sha256; it is not a cosmofit report")
    elif collector.sha256 != digest:
        problems.append(
            f"{summary_path} has sha256 {digest}, but {html_path} was rendered from "
            f"{collector.sha256}; regenerate with `cosmofit report --html`"
        )
    if not collector.values:
        problems.append(f"{html_path} displays no values bound to summary keys")
    for item in collector.values:
        problem = _check_value(item, summary)
        if problem is not None:
            problems.append(problem)
    return problems
