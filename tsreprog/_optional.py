"""Optional dependencies: import one, or say which extra installs it."""

from __future__ import annotations

import importlib

__all__ = ["require"]

#: module -> the extra of ``pip install "tsreprog[EXTRA]"`` that installs it
EXTRAS = {"matplotlib": "plot", "onnx": "zoo"}


def require(module: str, feature: str):
    """Import ``module`` for ``feature``, or raise ImportError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        extra = EXTRAS.get(top, "all")
        raise ImportError(
            f"{feature} needs {top}, which is not installed: pip install 'tsreprog[{extra}]' "
            f"(or pip install {top})"
        ) from err
