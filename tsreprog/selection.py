"""Per-dataset choice of reprogramming settings, by cross-validation on the training data.

The Voice2Series paper tuned placement, mapping size and dropout per dataset on the test
split. :class:`ReprogramClassifierCV` makes the same kind of choice honestly: scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` over a small grid, on stratified folds of the
training data only, then one refit of the best setting on all of it. Two budgets keep it
affordable: the search fits may run fewer epochs than the refit (``search_epochs``), and a
large training set is searched on a stratified subsample (``max_search_series``).
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from tsreprog.estimators import ReprogramClassifier

__all__ = ["ReprogramClassifierCV", "DEFAULT_GRID"]

#: The views whose choice is known to matter per dataset (``results/accuracy_v2``).
DEFAULT_GRID = {"placement": ["repeat", "am"]}


class ReprogramClassifierCV(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A :class:`~tsreprog.ReprogramClassifier` whose settings are chosen by cross-validation
    on the training data, then refitted on all of it.

    Parameters
    ----------
    estimator : ReprogramClassifier or None, default=None
        The base estimator (``None``: ``ReprogramClassifier()``); the grid's parameters
        override its own.
    param_grid : dict or list of dicts or None, default=None
        As :class:`~sklearn.model_selection.GridSearchCV`'s (stage parameters nest:
        ``{"placement__n_repeats": [1, 4]}``); ``None`` uses :data:`DEFAULT_GRID`, the
        placements ``repeat`` and ``am``.
    cv : int >= 2, default=3
        Stratified folds (shuffled with ``random_state``); fewer when the smallest class has
        fewer series, and at least 2. A class with one series then trains in only one of the
        two folds (with a warning). When every class has one series nothing can be
        cross-validated: the estimator's own settings are fitted, with a warning
        (``best_params_ = {}``, ``best_score_`` NaN, ``cv_results_`` None, ``n_splits_`` 0).
    search_epochs : int >= 1 or None, default=None
        Epochs of each search fit (``None``: the estimator's ``epochs``); the refit always
        uses the estimator's.
    max_search_series : int >= 2 or None, default=None
        Search on a stratified subsample of at most this many training series (``None``: all).
    scoring : str, callable or None, default=None
        As GridSearchCV's (``None``: accuracy).
    n_jobs : int or None, default=None
        Parallel search fits (joblib), as GridSearchCV's.
    random_state : int, RandomState or None, default=None
        Drives the folds, the subsample and, when the estimator has no ``random_state`` of
        its own, the fits.

    Attributes
    ----------
    best_params_ : dict
        The chosen setting.
    best_score_ : float
        Its mean cross-validated score.
    cv_results_ : dict of ndarrays
        GridSearchCV's, one entry per candidate.
    best_estimator_ : ReprogramClassifier
        The chosen setting refitted on all training series.
    classes_ : ndarray of shape (n_classes,)
    n_search_series_ : int
        Training series the search used.
    n_splits_ : int
        Folds the search used.

    Examples
    --------
    >>> from tsreprog import ReprogramClassifier
    >>> from tsreprog.selection import ReprogramClassifierCV
    >>> X = np.random.RandomState(0).randn(24, 40)
    >>> y = np.repeat([0, 1], 12)
    >>> base = ReprogramClassifier(backbone="tiny-test", epochs=1)
    >>> search = ReprogramClassifierCV(base, cv=2, random_state=0).fit(X, y)
    >>> sorted(search.best_params_)
    ['placement']
    """

    _parameter_constraints: dict = {
        "estimator": [ReprogramClassifier, None],
        "param_grid": [dict, list, None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "search_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "max_search_series": [Interval(Integral, 2, None, closed="left"), None],
        "scoring": [str, callable, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: ReprogramClassifier | None = None,
        param_grid=None,
        cv: int = 3,
        search_epochs: int | None = None,
        max_search_series: int | None = None,
        scoring=None,
        n_jobs: int | None = None,
        random_state=None,
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.cv = cv
        self.search_epochs = search_epochs
        self.max_search_series = max_search_series
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base(self, rng) -> ReprogramClassifier:
        base = clone(self.estimator) if self.estimator is not None else ReprogramClassifier()
        if base.random_state is None and self.random_state is not None:
            base.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        return base

    def fit(self, X, y) -> ReprogramClassifierCV:
        """Search the grid on folds of ``(X, y)``, then refit the best setting on all of it.

        ``X`` and ``y`` as :meth:`ReprogramClassifier.fit`. A failed or interrupted fit leaves
        the estimator as it was.
        """
        self._validate_params()
        rng = check_random_state(self.random_state)
        y_arr = np.asarray(y)
        classes, counts = np.unique(y_arr, return_counts=True)
        rows = np.arange(len(y_arr))
        if self.max_search_series is not None and len(rows) > self.max_search_series:
            n_keep = max(int(self.max_search_series), len(classes))
            rows, _ = train_test_split(
                rows, train_size=n_keep, stratify=y_arr, random_state=rng.randint(2**31 - 1)
            )
            counts = np.unique(y_arr[rows], return_counts=True)[1]
        base = self._base(rng)
        if counts.max() < 2:
            warnings.warn(
                "cannot cross-validate: every class has 1 series in the search set; fitting "
                "the estimator's own settings instead (best_params_ is empty)",
                UserWarning,
                stacklevel=2,
            )
            best = clone(base).fit(X, y)
            self._set_fitted(best, {}, float("nan"), None, len(rows), 0)
            return self
        n_splits = max(2, min(int(self.cv), int(counts.min())))
        if counts.min() < n_splits:
            warnings.warn(
                f"a class has {counts.min()} series, fewer than the {n_splits} folds: some "
                "search fits train without it (the refit sees every class)",
                UserWarning,
                stacklevel=2,
            )
        searched = clone(base)
        if self.search_epochs is not None:
            searched.set_params(epochs=self.search_epochs)
        search = GridSearchCV(
            searched,
            DEFAULT_GRID if self.param_grid is None else self.param_grid,
            scoring=self.scoring,
            cv=StratifiedKFold(n_splits, shuffle=True, random_state=rng.randint(2**31 - 1)),
            n_jobs=self.n_jobs,
            refit=False,
            error_score="raise",
        )
        search.fit(_safe_indexing(X, rows), y_arr[rows])  # arrays, frames, lists of series
        best = clone(base).set_params(**search.best_params_).fit(X, y)
        self._set_fitted(
            best, search.best_params_, search.best_score_, search.cv_results_, len(rows), n_splits
        )
        return self

    def _set_fitted(self, best, params, score, results, n_search, n_splits) -> None:
        # the fitted state is assigned at the end, all at once: a failure before changes nothing
        self.__dict__.update(
            best_params_=dict(params),
            best_score_=float(score),
            cv_results_=results,
            best_estimator_=best,
            classes_=best.classes_,
            n_search_series_=int(n_search),
            n_splits_=int(n_splits),
        )
        if hasattr(best, "n_features_in_"):
            self.n_features_in_ = best.n_features_in_

    def predict(self, X) -> np.ndarray:
        """Class labels, (n_series,), from :attr:`best_estimator_`."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, (n_series, n_classes), from :attr:`best_estimator_`."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log-probabilities, (n_series, n_classes), from :attr:`best_estimator_`."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_log_proba(X)
