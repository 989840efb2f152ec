"""The one rule by which two methods' accuracies on a dataset are a win, a tie or a loss.

Shared by ``bench``'s tables and ``plot.plot_benchmark``, so one CSV gives one W/T/L count.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DECIMALS", "outcomes", "win_tie_loss"]

#: Accuracies are compared rounded to 4 decimals: 0.01 percentage points, the precision of
#: the Voice2Series table.
DECIMALS = 4


def outcomes(a, b) -> np.ndarray:
    """Per dataset ``+1`` (a wins), ``0`` (tie) or ``-1`` (b wins), from rounded accuracies."""
    a = np.round(np.asarray(a, dtype=np.float64), DECIMALS)
    b = np.round(np.asarray(b, dtype=np.float64), DECIMALS)
    return np.sign(a - b).astype(int)


def win_tie_loss(a, b) -> tuple[int, int, int]:
    """``(wins, ties, losses)`` of ``a`` against ``b`` over datasets (see :func:`outcomes`)."""
    o = outcomes(a, b)
    return int((o > 0).sum()), int((o == 0).sum()), int((o < 0).sum())
