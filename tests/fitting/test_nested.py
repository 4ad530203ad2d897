"""Nested sampling: the evidence of a Gaussian likelihood under flat priors is known exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from cosmofit.compute.objectives import GaussianSource
from cosmofit.fitting.priors import Prior, PriorSet

pytest.importorskip("nautilus", reason="nautilus-sampler (the [nested] extra) is not installed")

MEAN = (0.4, 2.0)
COV = ((0.02**2, 0.5 * 0.02 * 0.3), (0.5 * 0.02 * 0.3, 0.3**2))


@dataclass(frozen=True)
class NamedGaussian(GaussianSource):
    """A Gaussian objective that looks like a model on a dataset to the result."""

    model: str = "toy"
    datasets: tuple[str, ...] = ("gaussian",)


@pytest.mark.slow
def test_ln_z_of_a_gaussian_under_flat_priors(tmp_path):
    from cosmofit.fitting.samplers.nested import run_nested

    source = NamedGaussian(("a", "b"), MEAN, COV, ((0.0, 1.0), (-5.0, 10.0)))
    priors = PriorSet((Prior("a", 0.0, 1.0), Prior("b", -5.0, 10.0)))
    plan = SimpleNamespace(
        settings=SimpleNamespace(live_points=300, seed=3),
        source=source,
        priors=priors,
        fixed={},
        dataset_tag="toy",
    )
    result = run_nested(plan, tmp_path, None)
    # Z = integral of exp(-chi2/2) times the prior density 1/(1 x 15)
    exact = math.log(2 * math.pi * math.sqrt(np.linalg.det(COV))) - math.log(15.0)
    assert result.log_z_error is not None and 0 < result.log_z_error < 0.1
    assert abs(result.log_z - exact) < 4 * result.log_z_error + 0.01
    assert result.marginals["a"].mean == pytest.approx(0.4, abs=0.003)
    assert result.marginals["b"].sigma == pytest.approx(0.3, rel=0.1)
    weights = np.loadtxt(tmp_path / "chain_1.txt")[:, 0]
    assert weights.max() == 1.0 and weights.min() > 0


def test_without_nautilus_the_error_names_the_extra(run_cli_without_nautilus):
    proc = run_cli_without_nautilus
    assert proc.returncode == 2
    assert "cosmofit-cli[nested]" in proc.stderr and "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.strip()]) == 1


@pytest.fixture
def run_cli_without_nautilus(tmp_path):
    """The CLI in a process where ``import nautilus`` fails, as without the extra."""
    import os
    import subprocess
    import sys

    blocker = tmp_path / "blocker" / "nautilus"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named nautilus')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "blocker"), COSMOFIT_STORE=str(tmp_path))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cosmofit.cli",
            "sample",
            "bao",
            "--params",
            "Om0,H0",
            "--sampler",
            "nested",
            "--out",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
