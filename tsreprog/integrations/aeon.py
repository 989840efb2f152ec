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

import numpy as np

try:
    from aeon.classification.base import BaseClassifier
except ImportError as err:  # pragma: no cover - exercised only without aeon
    raise ImportError(
        "tsreprog.integrations.aeon needs aeon, an optional dependency; "
        "install it with: pip install 'tsreprog[aeon]'"
    ) from err

from tsreprog.integrations._delegate import TEST_PARAMS, Delegating

__all__ = ["ReprogramAeonClassifier"]


class ReprogramAeonClassifier(Delegating, BaseClassifier):
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

    @staticmethod
    def _to_series(X) -> np.ndarray | list[np.ndarray]:
        """numpy3D ``(n, 1, length)`` -> ``(n, length)``; np-list -> list of 1-D arrays."""
        if isinstance(X, np.ndarray):
            return X[:, 0, :]
        return [np.asarray(x[0], dtype=np.float64) for x in X]

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
        return [dict(p) for p in TEST_PARAMS]
