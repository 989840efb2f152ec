"""Ensembles of reprogrammings: several views (placements) and seeds, probabilities averaged.

Tiling (``repeat``) keeps a series' timbre but not its time order; the AM carrier keeps the
time course (a series and its reverse sound different) but little timbre. A soft vote over
both lets each dataset lean on the view that carries its classes. The ensemble is a
:class:`~tsreprog.ReprogramClassifier` with several placements and/or ``n_seeds``: every member
is one small reprogramming (θ, a mapping and the backbone's reference), so the fitted
ensemble stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

from tsreprog.estimators import ReprogramClassifier

__all__ = ["reprogram_ensemble"]


def reprogram_ensemble(
    placements: Sequence = ("repeat", "am"),
    n_seeds: int = 1,
    random_state=None,
    **params,
) -> ReprogramClassifier:
    """``ReprogramClassifier(placement=tuple(placements), n_seeds=n_seeds, ...)``.

    Parameters
    ----------
    placements : sequence of str or Placement
        The views; each member gets one.
    n_seeds : int >= 1
        Members per view, each with its own seed (θ's initialisation, batch order); the first
        seed is ``random_state``, shared by the views.
    random_state : int, RandomState or None
    **params
        ``ReprogramClassifier`` parameters shared by every member.

    Returns
    -------
    ReprogramClassifier
        Unfitted; after ``fit`` its members are ``estimators_``, in the order (seed, view).
    """
    if int(n_seeds) < 1 or not len(placements):
        raise ValueError(
            f"an ensemble needs n_seeds >= 1 and at least one placement; got n_seeds={n_seeds}, "
            f"placements={list(placements)}"
        )
    return ReprogramClassifier(
        placement=tuple(placements), n_seeds=int(n_seeds), random_state=random_state, **params
    )
