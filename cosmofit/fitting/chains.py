"""GetDist chain roots: ``<root>_N.txt``, ``.paramnames``, ``.ranges``, ``.properties.ini``.

Columns of every chain file: weight, -log posterior, the sampled parameters,
the derived parameters, chi^2 per dataset and the total chi^2 (GetDist's
``chi2__NAME`` convention). Rows are appended a segment at a time with one
synced write; a kill can therefore only leave an unterminated last line, which
:func:`complete_rows` ignores and :func:`truncate_rows` cuts off on resume.
``getdist.loadMCSamples(root)`` reads a root with no further settings: the
burn-in is in ``.properties.ini`` as ``ignore_rows``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cosmofit.store.atomic import atomic_write_text, truncate_durably

#: The root name of every run directory's chains.
ROOT = "chain"

#: LaTeX labels of the derived values (the sampled parameters use their ParamSpec label).
DERIVED_LABELS = {
    "omegamh2": r"\Omega_\mathrm{m} h^2",
    "hrdrag": r"h r_\mathrm{d}\,[\mathrm{Mpc}]",
    "r_drag": r"r_\mathrm{d}\,[\mathrm{Mpc}]",
    "z_drag": r"z_\mathrm{d}",
    "z_star": r"z_*",
    "rs_star": r"r_*\,[\mathrm{Mpc}]",
    "DM_star": r"D_M(z_*)\,[\mathrm{Mpc}]",
    "Omega_r": r"\Omega_\mathrm{r}",
    "R": r"\mathcal{R}",
    "l_A": r"\ell_\mathrm{A}",
    "h_rdrag": r"h r_\mathrm{d}\,(\mathrm{BAO})",
}
PARAM_LABELS = {
    "H0": r"H_0",
    "Om0": r"\Omega_\mathrm{m}",
    "Obh2": r"\Omega_\mathrm{b} h^2",
    "ns": r"n_\mathrm{s}",
    "Neff": r"N_\mathrm{eff}",
    "w": r"w",
    "Tcmb": r"T_\mathrm{CMB}",
}


def column_name(name: str) -> str:
    """A GetDist-safe parameter name (letters, digits, underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name.replace("+", "p")).strip("_")


def chi2_column(dataset: str) -> str:
    return f"chi2__{column_name(dataset)}"


def chain_path(directory: Path, chain: int) -> Path:
    """Chains are numbered from 1 (GetDist's ``root_1.txt``)."""
    return Path(directory) / f"{ROOT}_{chain + 1}.txt"


def format_rows(
    log_post: np.ndarray, params: np.ndarray, derived: np.ndarray, chi2: np.ndarray
) -> list[str]:
    """Text rows of weight-1 samples (each argument has one row per sample)."""
    total = chi2.sum(axis=1, keepdims=True)
    table = np.column_stack([np.ones(len(log_post)), -log_post, params, derived, chi2, total])
    return [" ".join(f"{x:.15g}" for x in row) for row in table]


def complete_rows(path: Path) -> int:
    """Number of complete (newline-terminated) rows of a chain file; 0 if it is missing."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return 0
    return data.count(b"\n")


def truncate_rows(path: Path, rows: int) -> None:
    """Keep the first ``rows`` complete rows of ``path`` (drop a torn or extra tail)."""
    data = Path(path).read_bytes() if Path(path).exists() else b""
    offset = 0
    for _ in range(rows):
        offset = data.index(b"\n", offset) + 1
    if offset < len(data):
        truncate_durably(path, offset)


def read_chain(path: Path) -> np.ndarray:
    """All complete rows of a chain file as a 2-D array."""
    data = Path(path).read_bytes()
    end = data.rfind(b"\n") + 1
    text = data[:end].decode()
    if not text.strip():
        return np.empty((0, 0))
    return np.atleast_2d(np.loadtxt(text.splitlines(), ndmin=2))


def write_metadata(
    directory: Path,
    *,
    params: Sequence[str],
    derived: Sequence[str],
    datasets: Sequence[str],
    ranges: Mapping[str, tuple[float, float]],
    ignore_rows: int,
    sampler: str,
    label: str,
) -> None:
    """``.paramnames`` (LaTeX labels, ``*`` marks derived), ``.ranges`` and ``.properties.ini``."""
    directory = Path(directory)
    lines = [f"{column_name(n)}\t{PARAM_LABELS.get(n, _texify(n))}" for n in params]
    lines += [f"{column_name(n)}*\t{DERIVED_LABELS.get(n, _texify(n))}" for n in derived]
    lines += [f"{chi2_column(d)}*\t\\chi^2_\\mathrm{{{_texify(d)}}}" for d in datasets]
    lines.append("chi2*\t\\chi^2")
    atomic_write_text(directory / f"{ROOT}.paramnames", "\n".join(lines) + "\n")
    range_lines = [f"{column_name(n)} {low:.15g} {high:.15g}" for n, (low, high) in ranges.items()]
    atomic_write_text(directory / f"{ROOT}.ranges", "\n".join(range_lines) + "\n")
    properties = [f"ignore_rows = {ignore_rows}", f"sampler = {sampler}", f"label = {label}"]
    atomic_write_text(directory / f"{ROOT}.properties.ini", "\n".join(properties) + "\n")


def _texify(name: str) -> str:
    return name.replace("_", r"\_").replace("+", "p")
