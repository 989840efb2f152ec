import os

import numpy as np
import pytest
import torch

import tsreprog.testing  # noqa: F401  (registers the "tiny-test" backbone)

# keep test runs light on the 2-core CI machine
torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture
def toy_series(rng):
    """Two classes of short series a tiny backbone can tell apart (sine vs. square-ish)."""
    t = np.linspace(0, 1, 40)
    X0 = np.sin(2 * np.pi * 3 * t) + 0.1 * rng.randn(12, 40)
    X1 = np.sign(np.sin(2 * np.pi * 3 * t)) + 0.1 * rng.randn(12, 40)
    X = np.vstack([X0, X1]).astype(np.float64)
    y = np.array(["sine"] * 12 + ["square"] * 12)
    return X, y
