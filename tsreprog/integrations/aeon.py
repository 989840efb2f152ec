"""aeon adapter: :class:`ReprogramAeonClassifier`, a ``BaseClassifier`` around ReprogramClassifier.

aeon's public ``fit``/``predict``/``predict_proba`` (marked final) convert the input collection
to one of the ``X_inner_type`` types, check it against the capability tags and keep
``classes_``; this class only writes the private ``_fit``, ``_predict`` and ``_predict_proba``,
which drop the channel axis and delegate to :class:`tsreprog.ReprogramClassifier`. There is no
second training loop.

Equal-length input reaches ``_fit`` as numpy3D ``(n, 1, length)`` and is passed on as the 2-D
``(n, length)`` array; unequal-length collections arrive as ``np-list`` (one ``(1, length_i)``
array per series) and are passed on as a list of 1-D arrays, which ReprogramClassifier places
one by one. A numpy3D collection at predict time may have another length than fit's: each
series is then placed on its own, as for unequal-length data.

aeon is an optional dependency: ``pip install 'tsreprog[aeon]'``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

try:
    from aeon.classification.base import BaseClassifier
except ImportError as err:  # pragma: no cover - exercised only without aeon
    raise ImportError(
        "tsreprog.integrations.aeon needs aeon, an optional dependency; "
        "install it with: pip install 'tsreprog[aeon]'"
    ) from err

from tsreprog.estimators import ReprogramClassifier

__all__ = ["ReprogramAeonClassifier"]


_PARAMS = {
    name: p
    for name, p in inspect.signature(ReprogramClassifier.__init__).parameters.items()
    if name != "self"
}


class ReprogramAeonClassifier(BaseClassifier):
    """Voice2Series reprogramming of a frozen acoustic model, as an aeon classifier.

    Every parameter is forwarded unchanged to :class:`tsreprog.ReprogramClassifier`; see its
    docstring for their meaning. Univariate series only (``capability:multivariate=False``:
    aeon rejects multivariate X with its own ValueError before ``_fit`` runs); equal or
    unequal length (``capability:unequal_length=True``).

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
        Set by aeon's ``fit``; the same order as ``estimator_.classes_``.
    n_classes_ : int
    fit_time_millis_ : int
        Set by aeon's ``fit``.

    Examples
    --------
    >>> from aeon.datasets import load_unit_test
    >>> from tsreprog.integrations.aeon import ReprogramAeonClassifier
    >>> X, y = load_unit_test(split="train")
    >>> clf = ReprogramAeonClassifier(backbone="tiny-test", epochs=1, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _tags = {
        "python_dependencies": ["torch", "torchaudio"],
        # equal-length input stays numpy3D; unequal-length collections become np-list,
        # a list of (1, length_i) arrays
        "X_inner_type": ["numpy3D", "np-list"],
        "algorithm_type": "deeplearning",
        "capability:univariate": True,
        "capability:multivariate": False,
        "capability:unequal_length": True,
        "capability:missing_values": False,
        # a fixed random_state gives identical fits on CPU (tests/test_estimators.py shows it)
        "non_deterministic": False,
    }

    def __init__(self, **params) -> None:
        unknown = sorted(set(params) - set(_PARAMS))
        if unknown:
            raise TypeError(f"unknown parameters {unknown}; see ReprogramClassifier")
        for name, p in _PARAMS.items():
            setattr(self, name, params.get(name, p.default))
        super().__init__()

    # The signature is ReprogramClassifier's, so the two cannot drift apart; scikit-learn's
    # get_params, clone and aeon's checks read the parameter names from it.
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in _PARAMS.values()]
    )

    @staticmethod
    def _to_series(X) -> np.ndarray | list[np.ndarray]:
        """numpy3D ``(n, 1, length)`` -> ``(n, length)``; np-list -> list of 1-D arrays."""
        if isinstance(X, np.ndarray):
            return X[:, 0, :]
        return [np.asarray(x[0], dtype=np.float64) for x in X]

    def _fit(self, X, y) -> ReprogramAeonClassifier:
        """Fit the wrapped ReprogramClassifier.

        Parameters
        ----------
        X : ndarray of shape (n_series, 1, length), or a list of (1, length_i) arrays
        y : ndarray of shape (n_series,)

        Returns
        -------
        self
        """
        params = {k: getattr(self, k) for k in _PARAMS}
        self.estimator_ = ReprogramClassifier(**params).fit(self._to_series(X), y)
        return self

    def _predict_series(self, X):
        """The series for the wrapped estimator's predict.

        A numpy3D collection whose length differs from fit's goes as a one-column nested
        frame: ReprogramClassifier then places each series on its own (as for unequal-length
        data) instead of refusing a 2-D array of another width. (A list of equal-length
        arrays would be read as a 2-D array again.)
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
    def _get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Small, fast parameter sets on the tiny test backbone (for aeon's estimator checks).

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused; aeon's signature.

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
