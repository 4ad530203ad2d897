"""Displayed values bound to the summary: JSON pointers and one number format.

Every value the HTML report shows is looked up in the summary by a JSON
pointer (RFC 6901) and written with that pointer and its exact value in data
attributes. The renderer and the integrity check share this module, so the
check formats a value exactly as the page did and a tampered number, page or
summary, cannot go unnoticed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: Attributes carrying a displayed value's summary key, its exact value and its digits.
KEY_ATTR = "data-key"
VALUE_ATTR = "data-value"
DIGITS_ATTR = "data-digits"

#: Text shown for a missing value (null in the summary).
MISSING = "–"


class MissingKey(LookupError):
    """A pointer names nothing in the summary; ``str()`` is the pointer."""


def pointer(*parts: str | int) -> str:
    """The JSON pointer of ``parts``: ``("models", "pbuf", "chi2")`` -> ``/models/pbuf/chi2``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def split_pointer(text: str) -> list[str]:
    """The unescaped reference tokens of a JSON pointer (``""`` is the whole document)."""
    if text == "":
        return []
    if not text.startswith("/"):
        raise MissingKey(text)
    return [token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/")]


def resolve(document: Any, text: str) -> Any:
    """The value at JSON pointer ``text`` in ``document``; :class:`MissingKey` if there is none."""
    node = document
    for token in split_pointer(text):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, Sequence) and not isinstance(node, str) and token.isdigit():
            index = int(token)
            if index >= len(node):
                raise MissingKey(text)
            node = node[index]
        else:
            raise MissingKey(text)
    return node


def exact(value: Any) -> str:
    """The value as written in ``data-value``: ``repr`` of floats round-trips exactly."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def display(value: Any, digits: int = 6) -> str:
    """The text a reader sees: compact numbers, strings as they are, a dash for null."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.{max(digits - 1, 0)}e}"
        return f"{value:.{digits}g}"
    return str(value)


def is_scalar(value: Any) -> bool:
    """True for what a table cell can show (lists and objects are laid out by the template)."""
    return value is None or isinstance(value, bool | int | float | str)
