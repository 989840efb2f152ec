"""Tests of the sktime adapter ReprogramTSClassifier."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

from tsreprog import ReprogramClassifier
from tsreprog.integrations.sktime import ReprogramTSClassifier

FAST = dict(backbone="tiny-test", epochs=2, random_state=0, placement="repeat")


def test_same_parameters_and_defaults_as_reprogram_classifier():
    def params(cls):
        sig = inspect.signature(cls.__init__).parameters
        return {k: p.default for k, p in sig.items() if k != "self"}

    assert params(ReprogramTSClassifier) == params(ReprogramClassifier)


def test_tags():
    tags = ReprogramTSClassifier.get_class_tags()
    assert tags["capability:multivariate"] is False
    assert tags["capability:random_state"] is True
    assert tags["property:randomness"] == "derandomized"
    assert tags["python_dependencies"] == ["torch", "torchaudio"]
    assert "numpy3D" in tags["X_inner_mtype"]
    params = ReprogramTSClassifier.get_test_params()
    assert len(params) >= 2 and all(p["backbone"] == "tiny-test" for p in params)
    assert all(1 <= p["epochs"] <= 2 for p in params)


def test_delegates_to_reprogram_classifier(toy_series):
    """numpy3D in, the same fit as ReprogramClassifier on the 2-D array: no second loop."""
    X, y = toy_series
    ts = ReprogramTSClassifier(**FAST).fit(X[:, None, :], y)
    sk = ReprogramClassifier(**FAST).fit(X, y)
    assert isinstance(ts.estimator_, ReprogramClassifier)
    np.testing.assert_array_equal(ts.estimator_.theta_, sk.theta_)
    np.testing.assert_array_equal(ts.classes_, sk.classes_)
    proba = ts.predict_proba(X[:, None, :])
    np.testing.assert_allclose(proba, sk.predict_proba(X))
    np.testing.assert_array_equal(ts.predict(X[:, None, :]), ts.classes_[proba.argmax(1)])
    assert ts.get_params()["epochs"] == 2  # hyper-parameters untouched by fit


def test_unequal_length_nested_frame(toy_series):
    X, y = toy_series
    nested = pd.DataFrame({"c": [pd.Series(x[: 30 + i % 10]) for i, x in enumerate(X)]})
    clf = ReprogramTSClassifier(**FAST).fit(nested, y)
    assert clf.predict(nested).shape == (len(y),)
    assert clf.predict_proba(nested).shape == (len(y), 2)


def test_multivariate_is_rejected(toy_series):
    X, y = toy_series
    X2 = np.stack([X, X], axis=1)
    with pytest.raises(ValueError, match="multivariate"):
        ReprogramTSClassifier(**FAST).fit(X2, y)


@pytest.mark.slow
def test_sktime_check_estimator():
    from sktime.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(ReprogramTSClassifier, raise_exceptions=True)


def test_numpy3d_predict_accepts_other_lengths(toy_series):
    """capability:unequal_length: predict is not tied to fit's series length."""
    X, y = toy_series
    clf = ReprogramTSClassifier(**FAST).fit(X[:, None, :], y)
    n = X.shape[1]
    for length in (n // 2, n + 17):
        Xo = np.stack([np.resize(x, length) for x in X])[:, None, :]
        proba = clf.predict_proba(Xo)
        assert proba.shape == (len(y), 2)
        np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
        np.testing.assert_array_equal(clf.predict(Xo), clf.classes_[proba.argmax(1)])
    # same length as fit: the 2-D path, unchanged
    same = clf.predict_proba(X[:, None, :])
    np.testing.assert_allclose(same, clf.estimator_.predict_proba(X))
