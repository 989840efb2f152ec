"""Adapters that let tsreprog estimators join other time-series toolkits.

Each submodule imports its toolkit lazily, so ``import tsreprog`` never needs them::

    from tsreprog.integrations.sktime import ReprogramTSClassifier
"""

__all__: list[str] = []
