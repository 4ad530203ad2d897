"""Seeded start points: the same (seed, point, start) always draws the same start.

Each start gets its own generator, keyed by the run's seed, the grid point
and the start index, so a task's start does not depend on how many other
tasks were drawn before it, in which order, or in which process. Several
candidates are drawn per start and the lowest chi^2 among them (one
``chi2_batch`` call for all of them) is kept: starts then avoid unphysical
corners without all collapsing onto one point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Box draws stay inside this central part of the unit box (as ParameterOptimizer's).
BOX_MARGIN = 0.05
#: Candidates drawn per seeded start; the one with the lowest chi^2 is used.
CANDIDATES = 4


def start_rng(seed: int, point: int | None, start: int) -> np.random.Generator:
    """Generator of one start; ``point=None`` is the global fit."""
    tag = 0 if point is None else point + 1
    return np.random.default_rng(np.random.SeedSequence([seed, tag, start]))


def draw_in_box(rng: np.random.Generator, dim: int, n: int = CANDIDATES) -> np.ndarray:
    """``n`` points spread over the central part of the unit box."""
    return BOX_MARGIN + (1.0 - 2.0 * BOX_MARGIN) * rng.random((n, dim))


def draw_around(
    rng: np.random.Generator, center: np.ndarray, spread: np.ndarray, n: int = CANDIDATES
) -> np.ndarray:
    """``n`` Gaussian draws around ``center`` (unit box), ``spread`` wide per axis."""
    draws = center + spread * rng.standard_normal((n, center.size))
    return np.clip(draws, 0.0, 1.0)


def pick_lowest(
    candidates: Sequence[np.ndarray], chi2_batch: Callable[[list[np.ndarray]], np.ndarray]
) -> list[np.ndarray | None]:
    """For each block of candidates, the one with the lowest finite chi^2 (None if none is).

    ``chi2_batch`` gets every candidate of every block in one list, so the
    whole selection costs one batched evaluation.
    """
    flat = [row for block in candidates for row in block]
    if not flat:
        return []
    values = np.asarray(chi2_batch(flat), dtype=float)
    chosen: list[np.ndarray | None] = []
    offset = 0
    for block in candidates:
        chunk = values[offset : offset + len(block)]
        offset += len(block)
        finite = np.isfinite(chunk)
        chosen.append(
            block[int(np.argmin(np.where(finite, chunk, np.inf)))] if finite.any() else None
        )
    return chosen
