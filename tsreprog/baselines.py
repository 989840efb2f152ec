"""Baselines that the benchmarks time beside tsreprog.

:class:`MiniRocketRidge` is MiniRocket as its authors describe it (Dempster, Schmidt & Webb,
KDD 2021): sktime's ``MiniRocket`` transform, then ``StandardScaler(with_mean=False)`` and
``RidgeClassifierCV(alphas=logspace(-3, 3, 10))`` on NumPy arrays. It is what sktime's
``RocketClassifier(rocket_transform="minirocket")`` computes, without that pipeline's
conversion of the 10,000 feature columns between frame types, which took about 3 of its 3.1
seconds on GunPoint here (``results/cost/README.md``). Hand-written (a few lines) because an
sklearn ``Pipeline`` of sktime's transformer fails under scikit-learn 1.9's callbacks.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

__all__ = ["MiniRocketRidge"]


class MiniRocketRidge(ClassifierMixin, BaseEstimator):
    """MiniRocket features and a cross-validated ridge classifier, on NumPy arrays.

    Parameters
    ----------
    num_kernels : int, default=10000
    max_dilations_per_kernel : int, default=32
    random_state : int or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    transform_ : sktime MiniRocket, fitted
    head_ : sklearn Pipeline (scaler, ridge), fitted
    """

    def __init__(self, num_kernels=10000, max_dilations_per_kernel=32, random_state=None):
        self.num_kernels = num_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.random_state = random_state

    @staticmethod
    def _panel(X) -> np.ndarray:
        """``(n, length)`` or ``(n, 1, length)`` -> float64 ``(n, 1, length)``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 2:
            X = X[:, None, :]
        if X.ndim != 3 or X.shape[1] != 1:
            raise ValueError(
                f"X has shape {X.shape}; MiniRocketRidge takes univariate equal-length series "
                "(n_series, length) or (n_series, 1, length)"
            )
        return X

    def _features(self, X) -> np.ndarray:
        return np.asarray(self.transform_.transform(self._panel(X)), dtype=np.float64)

    def fit(self, X, y):
        from sktime.transformations.panel.rocket import MiniRocket

        X = self._panel(X)
        self.transform_ = MiniRocket(
            num_kernels=self.num_kernels,
            max_dilations_per_kernel=self.max_dilations_per_kernel,
            random_state=self.random_state,
        ).fit(X)
        self.head_ = make_pipeline(
            StandardScaler(with_mean=False), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        ).fit(self._features(X), y)
        self.classes_ = self.head_.classes_
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "head_")
        return self.head_.predict(self._features(X))
