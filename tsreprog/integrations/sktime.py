"""sktime adapter: :class:`ReprogramTSClassifier`, a ``BaseClassifier`` around ReprogramClassifier.

sktime's public ``fit``/``predict`` convert any Panel container to the inner mtype, check the
data against the capability tags and keep ``classes_``; this class only writes the private
``_fit``, ``_predict`` and ``_predict_proba``, which drop the channel axis and delegate to
:class:`tsreprog.ReprogramClassifier`. There is no second training loop.

numpy3D input reaches ``_fit`` as ``(n, 1, length)``; every other Panel mtype, including
unequal-length panels, arrives as ``df-list`` (one ``(length, 1)`` frame per series) and is passed
on as a list of 1-D arrays, which ReprogramClassifier places one by one. A numpy3D panel at
predict time may have another length than fit's (each series is then placed on its own).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
from sktime.classification.base import BaseClassifier

from tsreprog.estimators import ReprogramClassifier

__all__ = ["ReprogramTSClassifier"]


_PARAMS = {
    name: p
    for name, p in inspect.signature(ReprogramClassifier.__init__).parameters.items()
    if name != "self"
}


class ReprogramTSClassifier(BaseClassifier):
    """Voice2Series reprogramming of a frozen acoustic model, as an sktime classifier.

    Every parameter is forwarded unchanged to :class:`tsreprog.ReprogramClassifier`; see its
    docstring for their meaning. Univariate series only (``capability:multivariate=False``:
    sktime rejects multivariate X with its own error before ``_fit`` runs).

    Parameters
    ----------
    **params
        Exactly the parameters of :class:`tsreprog.ReprogramClassifier`, with the same
        defaults (the signature is taken from it, so the two never drift apart).

    Attributes
    ----------
    estimator_ : ReprogramClassifier
        The fitted scikit-learn estimator (``theta_``, ``history_``, ... live there).
    classes_ : ndarray of shape (n_classes,)
        Set by sktime's ``fit``; the same order as ``estimator_.classes_``.
    n_classes_ : int
    fit_time_ : int, milliseconds (sktime's convention)

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from tsreprog.integrations.sktime import ReprogramTSClassifier
    >>> X, y = load_unit_test(split="train", return_type="numpy3D")
    >>> clf = ReprogramTSClassifier(backbone="tiny-test", epochs=1, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _tags = {
        "authors": ["tsreprog developers"],
        "maintainers": ["tsreprog developers"],
        "python_dependencies": ["torch", "torchaudio"],
        # numpy3D input is kept as is; any other Panel mtype (nested_univ, pd-multiindex, ...),
        # equal or unequal length, is converted to the first entry: a list of (length, 1) frames
        "X_inner_mtype": ["df-list", "numpy3D"],
        "y_inner_mtype": "numpy1D",
        "capability:multivariate": False,
        "capability:unequal_length": True,
        "capability:missing_values": False,
        "capability:predict_proba": True,
        "capability:random_state": True,
        # a fixed random_state gives identical fits (tests/test_estimators.py shows it)
        "property:randomness": "derandomized",
    }

    def __init__(self, **params) -> None:
        unknown = sorted(set(params) - set(_PARAMS))
        if unknown:
            raise TypeError(f"unknown parameters {unknown}; see ReprogramClassifier")
        for name, p in _PARAMS.items():
            setattr(self, name, params.get(name, p.default))
        super().__init__()

    # The signature is ReprogramClassifier's, so the two cannot drift apart; scikit-base
    # reads the parameter names from it (get_params, clone, the test suite).
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in _PARAMS.values()]
    )

    @staticmethod
    def _to_series(X) -> np.ndarray | list[np.ndarray]:
        """numpy3D ``(n, 1, length)`` -> ``(n, length)``; df-list -> list of 1-D arrays."""
        if isinstance(X, np.ndarray):
            return X[:, 0, :]
        return [np.asarray(frame.iloc[:, 0], dtype=np.float64) for frame in X]

    def _fit(self, X, y) -> ReprogramTSClassifier:
        """Fit the wrapped ReprogramClassifier.

        Parameters
        ----------
        X : ndarray of shape (n_series, 1, length), or a list of (length_i, 1) DataFrames
        y : ndarray of shape (n_series,)

        Returns
        -------
        self
        """
        params = {k: getattr(self, k) for k in ReprogramClassifier().get_params()}
        self.estimator_ = ReprogramClassifier(**params).fit(self._to_series(X), y)
        return self

    def _predict_series(self, X):
        """The series for the wrapped estimator's predict.

        A numpy3D panel whose length differs from fit's goes as a one-column nested frame:
        ReprogramClassifier then places each series on its own (as for unequal-length data)
        instead of refusing a 2-D array of another width, so ``capability:unequal_length``
        holds for numpy3D input too.
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

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Small, fast parameter sets on the tiny test backbone (for sktime's test suite).

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused; sktime's signature.

        Returns
        -------
        list of dict
        """
        return [
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
        ]
