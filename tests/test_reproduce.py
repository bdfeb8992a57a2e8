"""Accuracy against the tutorial's published results on the full MNIST.

Logistic regression is quick (about a minute) and runs by default; MLP and
LeNet take an hour or more on 2 cores and are marked `slow` (run them with
`python3 -m pytest -m slow`, or `python -m bench.accuracy.reproduce`)."""

import os
import sys

import pytest

from conftest import MNIST_NPZ, ROOT, needs_shared_mnist

sys.path.insert(0, os.path.join(ROOT, "apps"))


def _run(app, tmp_path, *flags):
    module = __import__(app)
    return module.main(["--data", MNIST_NPZ, "--out", str(tmp_path), "--verbose", "0", "--no-export", *flags])


@needs_shared_mnist
def test_logistic_regression_reaches_the_tutorials_error(tmp_path):
    r = _run("logistic_sgd", tmp_path)
    assert r["test_error"] <= 0.076, r  # the tutorial: 7.489 %


@pytest.mark.slow
@needs_shared_mnist
def test_mlp_reaches_the_tutorials_error(tmp_path):
    r = _run("mlp", tmp_path)
    assert r["test_error"] <= 0.018, r  # the tutorial: 1.65 %


@pytest.mark.slow
@needs_shared_mnist
def test_lenet_reaches_the_tutorials_error(tmp_path):
    r = _run("lenet", tmp_path)
    assert r["test_error"] <= 0.010, r  # the tutorial: 0.92 %
