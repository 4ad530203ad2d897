"""The HTML report: one self-contained page rendered from the summary with jinja2.

The template never computes a number: it asks :func:`value_markup` (``val``
in the template) for the value at a summary path, which writes the text
together with its JSON pointer and exact value, so :mod:`cosmofit.report.verify`
can hold every displayed number against the summary. Autoescaping is on for
everything; only the SVG matplotlib produced is inserted verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from cosmofit.report.plots import Plot
from cosmofit.report.values import (
    DIGITS_ATTR,
    KEY_ATTR,
    VALUE_ATTR,
    display,
    exact,
    is_scalar,
    pointer,
    resolve,
)

TEMPLATE = "report.html"
REPORT_NAME = "cosmofit_report.html"


@lru_cache(maxsize=1)
def environment():
    """The jinja2 environment: package templates, autoescape, and undefined names are errors."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("cosmofit.report"),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def value_markup(summary: dict[str, Any], *parts: str | int, digits: int = 6) -> Markup:
    """``<span data-key=… data-value=…>text</span>`` for the scalar at ``parts`` in the summary."""
    key = pointer(*parts)
    value = resolve(summary, key)
    if not is_scalar(value):
        raise TypeError(f"the report can only display scalars; {key} is a {type(value).__name__}")
    return Markup('<span {}="{}" {}="{}" {}="{}">{}</span>').format(
        Markup(KEY_ATTR),
        key,
        Markup(VALUE_ATTR),
        exact(value),
        Markup(DIGITS_ATTR),
        digits,
        display(value, digits),
    )


def flatten(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    """``(dotted label, summary path)`` of every scalar under ``node``, for key/value tables."""
    if isinstance(node, dict):
        for key in sorted(node):
            yield from flatten(node[key], (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from flatten(item, (*path, index))
    else:
        yield ".".join(str(part) for part in path[4:]) or str(path[-1]), path


def provenance_rows(summary: dict[str, Any], model: str) -> list[tuple[str, tuple]]:
    """The last optimization's provenance flattened (``versions.numpy``, ``optimizer.method``…)."""
    last = summary["models"][model]["last_optimization"]
    base = ("models", model, "last_optimization", "provenance")
    return list(flatten(last["provenance"], base))


def render_html(
    summary: dict[str, Any],
    summary_sha256: str,
    plots: list[Plot],
    summary_name: str,
    profile_plots: list[Plot] | None = None,
    sample_plots: list[dict[str, Plot]] | None = None,
) -> str:
    """The page for ``summary``; its file ``summary_name`` hashes to ``summary_sha256``.

    ``profile_plots`` (one per ``summary["profiles"]`` entry) are drawn here if not given.
    """
    from cosmofit._version import __version__
    from cosmofit.report.plots import render_profile_plots

    if profile_plots is None:
        profile_plots = render_profile_plots(summary)
    if sample_plots is None:
        from cosmofit.report.samples import render_sample_plots

        sample_plots = render_sample_plots(summary)
    if len(profile_plots) != len(summary["profiles"]):
        raise ValueError("render_html needs one profile plot per profile in the summary")

    models = list(summary["models"])
    fitted = [m for m in models if summary["models"][m]["last_optimization"] is not None]

    def val(*parts: str | int, digits: int = 6) -> Markup:
        return value_markup(summary, *parts, digits=digits)

    def fit_value(model: str, key: str) -> Markup:
        """A last-optimization value, or a plain note for a model never optimized."""
        if summary["models"][model]["last_optimization"] is None:
            return Markup('<span class="meta">not optimized</span>')
        return val("models", model, "last_optimization", key)

    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            summary=summary,
            summary_sha256=summary_sha256,
            summary_name=summary_name,
            models=models,
            fitted=fitted,
            plots=plots,
            profile_plots=profile_plots,
            sample_plots=sample_plots,
            provenance={m: provenance_rows(summary, m) for m in fitted},
            val=val,
            fit_value=fit_value,
            version=escape(__version__),
        )
    )
