"""tsreprog: model reprogramming of frozen acoustic models for time series and speech.

Public API::

    from tsreprog import (ReprogramClassifier, ReprogramClassifierCV, reprogram_ensemble,
                          create_backbone, list_backbones)
"""

from tsreprog.backbones import create_backbone, list_backbones
from tsreprog.ensemble import reprogram_ensemble
from tsreprog.estimators import ReprogramClassifier
from tsreprog.selection import ReprogramClassifierCV

__version__ = "0.1.0"

__all__ = [
    "ReprogramClassifier",
    "ReprogramClassifierCV",
    "__version__",
    "create_backbone",
    "list_backbones",
    "reprogram_ensemble",
]
