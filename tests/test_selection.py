"""ReprogramClassifierCV: the choice by cross-validation on training data, then one refit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from tsreprog import ReprogramClassifier, ReprogramClassifierCV


def _data(n=24, length=40, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1], n // 2)
    X = rng.randn(n, length)
    X[y == 1] += np.linspace(-1, 1, length)  # class 1 ramps up: only order-keeping views see it
    return X, y


def _base(**kw):
    return ReprogramClassifier(
        **{"backbone": "tiny-test", "epochs": 2, "placement": "repeat", **kw}
    )


def test_best_params_are_the_top_ranked_candidate_and_are_refitted():
    X, y = _data()
    search = ReprogramClassifierCV(_base(), cv=2, random_state=0).fit(X, y)
    res = search.cv_results_
    top = int(np.argmin(res["rank_test_score"]))
    assert search.best_params_ == res["params"][top]
    assert search.best_score_ == pytest.approx(res["mean_test_score"][top])
    assert search.best_estimator_.placement == search.best_params_["placement"]
    assert search.best_estimator_.n_iter_ >= 1 and search.n_splits_ == 2
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))
    assert list(search.classes_) == [0, 1]


def test_same_random_state_same_choice_and_probabilities():
    X, y = _data()
    a = ReprogramClassifierCV(_base(), cv=2, random_state=3).fit(X, y)
    b = ReprogramClassifierCV(_base(), cv=2, random_state=3).fit(X, y)
    assert a.best_params_ == b.best_params_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_budgets_search_epochs_and_subsample():
    X, y = _data(n=40)
    grid = {"lr": [0.05, 0.01]}
    search = ReprogramClassifierCV(
        _base(patience=None), grid, cv=2, search_epochs=1, max_search_series=20, random_state=0
    ).fit(X, y)
    assert search.n_search_series_ == 20
    assert search.best_estimator_.n_iter_ == 2  # the refit runs the estimator's own epochs
    assert len(search.cv_results_["params"]) == 2


def test_folds_shrink_and_singleton_classes_warn_or_fall_back():
    X, y = _data()
    y = y.copy()
    y[:10] = 1  # class 0 keeps 2 series
    search = ReprogramClassifierCV(_base(), cv=5, random_state=0).fit(X, y)
    assert search.n_splits_ == 2
    y[:11] = 1  # class 0 keeps 1 series: two folds, one of which trains without it
    y[12:18] = 2
    with pytest.warns(UserWarning, match="a class has 1 series, fewer than the 2 folds"):
        search = ReprogramClassifierCV(_base(), cv=3, random_state=0).fit(X, y)
    assert search.n_splits_ == 2 and list(search.classes_) == [0, 1, 2]
    with pytest.warns(UserWarning, match="every class has 1 series.*own settings"):
        alone = ReprogramClassifierCV(_base(), cv=3, random_state=0).fit(X[:3], [0, 1, 2])
    assert alone.best_params_ == {} and alone.n_splits_ == 0 and alone.cv_results_ is None
    assert alone.best_estimator_.placement == "repeat"


def test_a_failed_fit_leaves_the_estimator_as_it_was():
    X, y = _data()
    search = ReprogramClassifierCV(_base(), cv=2, random_state=0).fit(X, y)
    before = search.best_params_
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        search.fit(bad, y)
    assert search.best_params_ == before


def test_clone_and_unequal_lengths():
    X, y = _data()
    series = [x[: 30 + (i % 5)] for i, x in enumerate(X)]
    search = clone(ReprogramClassifierCV(_base(), cv=2, random_state=0)).fit(series, y)
    assert search.predict(series[:4]).shape == (4,)
