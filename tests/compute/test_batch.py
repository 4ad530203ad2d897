"""chi2_batch: K points in one call equal K single calls, with one block solve per dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cosmofit
from cosmofit.likelihoods.gaussian import GaussianCovariance


@pytest.fixture(scope="module")
def joint_pbuf():
    return cosmofit.load_likelihood("cmb,bao,sn", "pbuf")


def points(model, k, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        p = model.defaults
        p.update(H0=60 + 15 * rng.random(), Om0=0.25 + 0.1 * rng.random(), k_sat=0.5 + rng.random())
        out.append(p)
    return out


def test_batch_equals_single_calls_per_dataset(joint_pbuf):
    pts = points(joint_pbuf.model, 17)
    batch = joint_pbuf.evaluate_batch(pts)
    for p, got in zip(pts, batch, strict=True):
        want = joint_pbuf.evaluate(p)
        assert got.total == pytest.approx(want.total, rel=1e-10)
        for name, value in want.by_dataset.items():
            assert got.by_dataset[name] == pytest.approx(value, rel=1e-10, abs=1e-10)
    assert joint_pbuf.chi2_batch(pts) == pytest.approx([e.total for e in batch], rel=0)


def test_unphysical_points_are_infinite_with_a_reason_and_spare_the_others(joint_pbuf):
    good = points(joint_pbuf.model, 2)
    bad = {**good[0], "Om0": 2.0}
    evaluations = joint_pbuf.evaluate_batch([good[0], bad, good[1]])
    assert math.isinf(evaluations[1].total) and "Om0" in evaluations[1].reason
    assert evaluations[0].total == pytest.approx(joint_pbuf.chi2(good[0]), rel=1e-10)
    assert evaluations[2].total == pytest.approx(joint_pbuf.chi2(good[1]), rel=1e-10)
    assert joint_pbuf.chi2_batch([]).shape == (0,)


def test_block_whitening_equals_vector_whitening_and_keeps_columns_apart():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 40))
    cov = GaussianCovariance(a @ a.T + 40 * np.eye(40), source="test", cov_scale=2.0)
    block = rng.standard_normal((40, 5))
    block[3, 2] = np.nan
    chi2 = cov.chi2_block(block)
    for k in (0, 1, 3, 4):
        assert chi2[k] == pytest.approx(cov.chi2(block[:, k]), rel=1e-12)
    assert np.isnan(chi2[2])
    assert cov.chi2_block(block[:, :1]) == pytest.approx([cov.chi2(block[:, 0])], rel=1e-12)


@pytest.mark.parametrize("model", cosmofit.available_models())
def test_batch_equals_single_calls_for_every_registered_model(model):
    # One kernel for both: a model's E(z)^2 must broadcast over (P, 1) parameter columns.
    likelihood = cosmofit.load_likelihood("cmb,bao,sn", model)
    spec = likelihood.model
    rng = np.random.default_rng(4)
    pts = [
        {
            **spec.defaults,
            **{p.name: p.from_unit(0.2 + 0.6 * rng.random()) for p in spec.params if p.optimizable},
        }
        for _ in range(6)
    ]
    batch = likelihood.chi2_batch(pts)
    single = [likelihood.chi2(p) for p in pts]
    assert batch == pytest.approx(single, rel=1e-10)


@pytest.mark.parametrize(
    "model, extra",
    [
        ("lcdm", {"mnu": 0.06, "Ok0": 0.02}),  # shared mnu, curvature
        ("w0wa", {"w0": -0.85, "wa": -0.5}),
    ],
)
def test_batch_equals_single_calls_with_priors_curvature_and_neutrinos(model, extra):
    # theta* (per-point calibrated z*), Gaussian priors and DES-Dovekie in one batch.
    joint = cosmofit.load_likelihood("planck_pr4_compressed,desi_dr2,des_dovekie,bbn,sh0es", model)
    rng = np.random.default_rng(4)
    pts = [
        {**extra, "H0": 64 + 8 * rng.random(), "Om0": 0.28 + 0.05 * rng.random()} for _ in range(9)
    ]
    pts.append({**pts[0], "wa": 1.5} if model == "w0wa" else {**pts[0], "Om0": 0.001})
    batch = joint.chi2_batch(pts)
    single = np.array([joint.chi2(p) for p in pts])
    assert math.isinf(single[-1]) and math.isinf(batch[-1])  # w0 + wa >= 0 / neutrinos > matter
    assert batch[:-1] == pytest.approx(single[:-1], rel=1e-10)


def test_batch_with_different_neutrino_masses_is_evaluated_point_by_point():
    joint = cosmofit.load_likelihood("cmb,bao", "lcdm")
    pts = [{"mnu": m} for m in (0.0, 0.06, 0.3)]
    assert joint.chi2_batch(pts) == pytest.approx([joint.chi2(p) for p in pts], rel=1e-12)


def test_a_batch_mixing_flat_open_and_closed_points_equals_single_calls():
    joint = cosmofit.load_likelihood("cmb,bao,sn", "lcdm")
    pts = [{"Ok0": ok, "H0": 67.0 + k} for k, ok in enumerate((0.0, 0.05, -0.05, 0.0, 0.2))]
    assert joint.chi2_batch(pts) == pytest.approx([joint.chi2(p) for p in pts], rel=1e-10)
