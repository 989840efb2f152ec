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

import numpy as np
from sktime.classification.base import BaseClassifier

from tsreprog.integrations._delegate import TEST_PARAMS, Delegating

__all__ = ["ReprogramTSClassifier"]


class ReprogramTSClassifier(Delegating, BaseClassifier):
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

    @staticmethod
    def _to_series(X) -> np.ndarray | list[np.ndarray]:
        """numpy3D ``(n, 1, length)`` -> ``(n, length)``; df-list -> list of 1-D arrays."""
        if isinstance(X, np.ndarray):
            return X[:, 0, :]
        return [np.asarray(frame.iloc[:, 0], dtype=np.float64) for frame in X]

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
        return [dict(p) for p in TEST_PARAMS]
