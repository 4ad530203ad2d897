"""Property-based: any TOML document either configures cosmofit or is one ConfigError.

Documents are built from the real schema's sections and keys with hostile
values (huge or negative counts, NaN and infinity, arrays nested thousands
deep, unknown keys and tables). ``FUZZ_EXAMPLES=1000`` (see
``scripts/fuzz.sh``) runs it that many times; the default keeps the suite fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosmofit.config import CosmofitConfig, load_config
from cosmofit.errors import ConfigError

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
SECTIONS = {
    name: [*field.annotation.model_fields, "unknown_key"]
    for name, field in CosmofitConfig.model_fields.items()
    if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields")
}
SECTIONS["parameters"] = ["H0", "Om0", "k_sat", "lcdm", "bogus"]
SECTIONS["nosuchsection"] = ["x"]

BARE = ["inf", "-inf", "nan", "+inf", "true", "false", "1979-05-27T07:32:00Z", "{}", "{ a = 1 }"]
VALUES = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(BARE),
    st.text(max_size=40).map(json.dumps),
    st.sampled_from(["100000000", "-1", "0", "2147483648", '"inproc://x"', '"bogus://x"']),
    st.integers(1, 6000).map(lambda depth: "[" * depth + "]" * depth),
    st.lists(st.sampled_from(['"H0"', '"Om0"', "1", '"cmb"']), max_size=4).map(
        lambda items: "[" + ", ".join(items) + "]"
    ),
)


@st.composite
def documents(draw) -> str:
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS)), max_size=4, unique=True)):
        header = section
        if section in ("optimization", "parameters") and draw(st.booleans()):
            header = f"{section}.{draw(st.sampled_from(['lcdm', 'pbuf', 'nomodel']))}"
        lines.append(f"[{header}]")
        for key in draw(st.lists(st.sampled_from(SECTIONS[section]), max_size=4, unique=True)):
            lines.append(f"{key} = {draw(VALUES)}")
    if draw(st.integers(0, 9)) == 0:
        lines.append(draw(st.text(max_size=30)))  # sometimes garbage
    return "\n".join(lines) + "\n"


@settings(
    max_examples=FUZZ_EXAMPLES or 150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(document=documents())
def test_any_toml_is_a_config_or_one_config_error(document, tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("fuzz") / "cosmofit.toml"
    path.write_text(document, encoding="utf-8")
    try:
        load_config(config_file=path, environ={})
    except ConfigError as error:
        message = str(error)
        assert message and "\n" not in message.strip(), message
        assert len(message) < 2000, message[:200]
