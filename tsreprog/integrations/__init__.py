"""Adapters that let tsreprog estimators join other time-series toolkits.

Each submodule imports its toolkit lazily, so ``import tsreprog`` never needs them::

    from tsreprog.integrations.sktime import ReprogramTSClassifier
    from tsreprog.integrations.aeon import ReprogramAeonClassifier  # pip install 'tsreprog[aeon]'

``sktime`` is a core dependency; ``aeon`` is the optional extra ``aeon``, and importing its
adapter without it raises an ImportError that names the extra.
"""

__all__: list[str] = []
