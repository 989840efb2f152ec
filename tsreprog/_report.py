"""The tie rule's old home; it lives in :mod:`tsreprog.report` (kept for ``plot``)."""

from tsreprog.report import DECIMALS, outcomes, win_tie_loss

__all__ = ["DECIMALS", "outcomes", "win_tie_loss"]
