"""Tests of the aeon adapter ReprogramAeonClassifier (aeon is the optional extra ``aeon``).

Without aeon installed only the import-error test runs; CI runs the rest in a separate
environment with ``pip install -e '.[test,aeon]'`` (see .ci/run).
"""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tsreprog import ReprogramClassifier

needs_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="aeon is not installed (pip install 'tsreprog[aeon]')",
)

FAST = dict(backbone="tiny-test", epochs=2, random_state=0, placement="repeat")


def _cls():
    from tsreprog.integrations.aeon import ReprogramAeonClassifier

    return ReprogramAeonClassifier


def test_import_without_aeon_names_the_extra():
    """With aeon absent, the import fails with an ImportError that says what to install."""
    code = (
        "import sys; sys.modules['aeon'] = None\n"
        "try:\n"
        "    import tsreprog.integrations.aeon\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("ImportError:")
    assert "pip install 'tsreprog[aeon]'" in out
    # and importing tsreprog itself never needs aeon
    code = "import sys; sys.modules['aeon'] = None; import tsreprog; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "ok"


@needs_aeon
def test_same_parameters_and_defaults_as_reprogram_classifier():
    def params(cls):
        sig = inspect.signature(cls.__init__).parameters
        return {k: p.default for k, p in sig.items() if k != "self"}

    assert params(_cls()) == params(ReprogramClassifier)
    with pytest.raises(TypeError, match="unknown parameters"):
        _cls()(n_epochs=3)


@needs_aeon
def test_tags_and_test_params():
    from aeon.classification.base import BaseClassifier

    cls = _cls()
    assert issubclass(cls, BaseClassifier)
    tags = cls.get_class_tags()
    assert tags["capability:multivariate"] is False
    assert tags["capability:unequal_length"] is True
    assert tags["non_deterministic"] is False
    assert tags["python_dependencies"] == ["torch", "torchaudio"]
    assert set(tags["X_inner_type"]) == {"numpy3D", "np-list"}
    # only the private methods are written: aeon's fit/predict/predict_proba are final
    from tsreprog.integrations._delegate import Delegating

    for name in ("fit", "predict", "predict_proba"):
        assert name not in cls.__dict__ and name not in Delegating.__dict__
        assert getattr(cls, f"_{name}") is getattr(Delegating, f"_{name}")
    params = cls._get_test_params()
    assert len(params) >= 2 and all(p["backbone"] == "tiny-test" for p in params)
    assert all(1 <= p["epochs"] <= 2 for p in params)


@needs_aeon
def test_delegates_to_reprogram_classifier(toy_series):
    """numpy3D in, the same fit as ReprogramClassifier on the 2-D array: no second loop."""
    X, y = toy_series
    ae = _cls()(**FAST).fit(X[:, None, :], y)
    sk = ReprogramClassifier(**FAST).fit(X, y)
    assert isinstance(ae.estimator_, ReprogramClassifier)
    np.testing.assert_array_equal(ae.estimator_.theta_, sk.theta_)
    np.testing.assert_array_equal(ae.classes_, sk.classes_)
    assert ae.n_classes_ == 2 and ae.fit_time_millis_ >= 0
    proba = ae.predict_proba(X[:, None, :])
    np.testing.assert_allclose(proba, sk.predict_proba(X))
    np.testing.assert_array_equal(ae.predict(X[:, None, :]), ae.classes_[proba.argmax(1)])
    # aeon also takes a 2-D (n_cases, n_timepoints) array as univariate input
    np.testing.assert_allclose(ae.predict_proba(X), proba)
    assert ae.get_params()["epochs"] == 2  # hyper-parameters untouched by fit


@needs_aeon
def test_unequal_length_np_list(toy_series):
    """aeon's np-list (one (1, length_i) array per series) reaches ReprogramClassifier ragged."""
    X, y = toy_series
    Xl = [x[None, : 30 + i % 10] for i, x in enumerate(X)]
    clf = _cls()(**FAST).fit(Xl, y)
    assert not hasattr(clf.estimator_, "n_features_in_")  # fitted as ragged data
    proba = clf.predict_proba(Xl)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    ref = clf.estimator_.predict_proba([x[0] for x in Xl])
    np.testing.assert_allclose(proba, ref)
    np.testing.assert_array_equal(clf.predict(Xl), clf.classes_[proba.argmax(1)])


@needs_aeon
def test_multivariate_is_rejected(toy_series):
    X, y = toy_series
    X2 = np.stack([X, X], axis=1)
    with pytest.raises(ValueError, match="multivariate"):
        _cls()(**FAST).fit(X2, y)


@needs_aeon
def test_numpy3d_predict_accepts_other_lengths(toy_series):
    """capability:unequal_length: predict is not tied to fit's series length."""
    X, y = toy_series
    clf = _cls()(**FAST).fit(X[:, None, :], y)
    n = X.shape[1]
    for length in (n // 2, n + 17):
        Xo = np.stack([np.resize(x, length) for x in X])[:, None, :]
        proba = clf.predict_proba(Xo)
        assert proba.shape == (len(y), 2)
        np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
        np.testing.assert_array_equal(clf.predict(Xo), clf.classes_[proba.argmax(1)])
    # same length as fit: the 2-D path, unchanged
    np.testing.assert_allclose(clf.predict_proba(X[:, None, :]), clf.estimator_.predict_proba(X))


@needs_aeon
@pytest.mark.slow
def test_aeon_check_estimator():
    from aeon.testing.estimator_checking import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(_cls(), raise_exceptions=True)
    assert results and all(v == "PASSED" for v in results.values()), results
    assert any(k.startswith("check_classifier_output") for k in results)
