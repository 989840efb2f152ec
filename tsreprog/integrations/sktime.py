"""sktime adapter: :class:`ReprogramTSClassifier`, a ``BaseClassifier`` around ReprogramClassifier.

sktime's public ``fit``/``predict`` convert any Panel container to the inner mtype, check the
data against the capability tags and keep ``classes_``; this class only writes the private
``_fit``, ``_predict`` and ``_predict_proba``, which drop the channel axis and delegate to
:class:`tsreprog.ReprogramClassifier`. There is no second training loop.

numpy3D input reaches ``_fit`` as ``(n, 1, length)``; every other Panel mtype, including
unequal-length panels, arrives as ``df-list`` (one ``(length, 1)`` frame per series) and is passed
on as a list of 1-D arrays, which ReprogramClassifier places one by one.
"""

from __future__ import annotations

import numpy as np
from sktime.classification.base import BaseClassifier

from tsreprog.estimators import ReprogramClassifier

__all__ = ["ReprogramTSClassifier"]


class ReprogramTSClassifier(BaseClassifier):
    """Voice2Series reprogramming of a frozen acoustic model, as an sktime classifier.

    Every parameter is forwarded unchanged to :class:`tsreprog.ReprogramClassifier`; see its
    docstring for their meaning. Univariate series only (``capability:multivariate=False``:
    sktime rejects multivariate X with its own error before ``_fit`` runs).

    Parameters
    ----------
    backbone : str, default="attrnn"
    weights : "default", None or path, default="default"
    placement : {"pad", "repeat", "resample"}, default="repeat"
    n_repeats : int or "fill", default="fill"
    resample_length : int or None, default=None
    mask : bool, default=False
    dropout : float in [0, 1), default=0.0
    l2 : float >= 0, default=0.0
    mapping : {"many_to_one", "linear"}, default="many_to_one"
    n_map : int or None, default=None
    map_assignment : {"ordered", "random", "frequency"}, default="random"
    lr : float > 0, default=0.05
    lr_schedule : {"constant", "cosine", "v2s"}, default="constant"
    epochs : int >= 1, default=100
    batch_size : int >= 1, default=32
    validation_fraction : float in (0, 1) or None, default=0.2
    patience : int or None, default=20
    device : str, default="auto"
    random_state : int, RandomState or None, default=None
    verbose : bool, default=False
    reprogram : bool, default=True
    finetune : bool, default=False
    finetune_lr : float > 0, default=1e-3

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

    def __init__(
        self,
        backbone: str = "attrnn",
        weights="default",
        placement: str = "repeat",
        n_repeats: int | str = "fill",
        resample_length: int | None = None,
        mask: bool = False,
        dropout: float = 0.0,
        l2: float = 0.0,
        mapping: str = "many_to_one",
        n_map: int | None = None,
        map_assignment: str = "random",
        lr: float = 0.05,
        lr_schedule: str = "constant",
        epochs: int = 100,
        batch_size: int = 32,
        validation_fraction: float | None = 0.2,
        patience: int | None = 20,
        device: str = "auto",
        random_state=None,
        verbose: bool = False,
        reprogram: bool = True,
        finetune: bool = False,
        finetune_lr: float = 1e-3,
    ) -> None:
        self.backbone = backbone
        self.weights = weights
        self.placement = placement
        self.n_repeats = n_repeats
        self.resample_length = resample_length
        self.mask = mask
        self.dropout = dropout
        self.l2 = l2
        self.mapping = mapping
        self.n_map = n_map
        self.map_assignment = map_assignment
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.reprogram = reprogram
        self.finetune = finetune
        self.finetune_lr = finetune_lr
        super().__init__()

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

    def _predict(self, X) -> np.ndarray:
        """Predicted labels, shape (n_series,)."""
        return self.estimator_.predict(self._to_series(X))

    def _predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_series, n_classes), columns in ``classes_`` order."""
        return self.estimator_.predict_proba(self._to_series(X))

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
                "mapping": "linear",
                "validation_fraction": None,
                "patience": None,
                "device": "cpu",
            },
        ]
