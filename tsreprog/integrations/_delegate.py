"""What the sktime and aeon adapters share: ReprogramClassifier's parameters, fit and predict.

Each adapter subclasses :class:`Delegating` before its toolkit's ``BaseClassifier`` and adds
only its tags and the conversion of its inner data type (``_to_series``).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from tsreprog.estimators import ReprogramClassifier

__all__ = ["PARAMS", "TEST_PARAMS", "Delegating"]

#: ReprogramClassifier's constructor parameters, which every adapter takes unchanged.
PARAMS = {
    name: p
    for name, p in inspect.signature(ReprogramClassifier.__init__).parameters.items()
    if name != "self"
}

#: Small, fast parameter sets on the tiny test backbone, for the toolkits' estimator checks.
TEST_PARAMS = (
    {"backbone": "tiny-test", "epochs": 1, "batch_size": 8, "device": "cpu"},
    {
        "backbone": "tiny-test",
        "epochs": 2,
        "placement": "pad",
        "mapping": "many_to_one",
        "validation_fraction": None,
        "patience": None,
        "device": "cpu",
    },
)


class Delegating:
    """Mixin: forward every parameter to a ``ReprogramClassifier`` fitted in ``_fit``."""

    def __init__(self, **params) -> None:
        unknown = sorted(set(params) - set(PARAMS))
        if unknown:
            raise TypeError(f"unknown parameters {unknown}; see ReprogramClassifier")
        for name, p in PARAMS.items():
            setattr(self, name, params.get(name, p.default))
        super().__init__()

    # The signature is ReprogramClassifier's, so the adapters cannot drift from it;
    # scikit-base and aeon read the parameter names from it (get_params, clone, checks).
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in PARAMS.values()]
    )

    @staticmethod
    def _to_series(X):
        """The toolkit's inner data -> a 2-D array or a list of 1-D arrays."""
        raise NotImplementedError

    def _fit(self, X, y):
        """Fit the wrapped ReprogramClassifier (``estimator_``) on the converted series."""
        params = {k: getattr(self, k) for k in PARAMS}
        self.estimator_ = ReprogramClassifier(**params).fit(self._to_series(X), y)
        return self

    def _predict_series(self, X):
        """The series for the wrapped estimator's predict.

        A 3-D array whose length differs from fit's goes as a one-column nested frame:
        ReprogramClassifier then places each series on its own (as for unequal-length data)
        instead of refusing a 2-D array of another width.
        """
        series = self._to_series(X)
        n_fit = getattr(self.estimator_, "n_features_in_", None)
        if isinstance(series, np.ndarray) and n_fit is not None and series.shape[1] != n_fit:
            return pd.DataFrame({"c": [pd.Series(row) for row in series]})
        return series

    def _predict(self, X) -> np.ndarray:
        """Predicted labels, shape (n_series,)."""
        return self.estimator_.predict(self._predict_series(X))

    def _predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_series, n_classes), columns in ``classes_`` order."""
        return self.estimator_.predict_proba(self._predict_series(X))
