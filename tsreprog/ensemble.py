"""Ensembles of reprogrammings: several views (placements) and seeds, probabilities averaged.

Tiling (``repeat``) keeps a series' timbre but not its time order; the AM carrier keeps the
time course (a series and its reverse sound different) but little timbre. A soft vote over
both lets each dataset lean on the view that carries its classes. The ensemble is
scikit-learn's :class:`~sklearn.ensemble.VotingClassifier` with ``voting="soft"``; every
member is a small :class:`~tsreprog.ReprogramClassifier` (θ, a mapping and a backbone
reference), so the fitted ensemble stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import VotingClassifier
from sklearn.utils import check_random_state

from tsreprog.estimators import ReprogramClassifier

__all__ = ["reprogram_ensemble"]


def reprogram_ensemble(
    placements: Sequence = ("repeat", "am"),
    n_seeds: int = 1,
    random_state=None,
    n_jobs: int | None = None,
    **params,
) -> VotingClassifier:
    """A soft-voting ensemble of ``ReprogramClassifier``s, one per (seed, placement).

    Parameters
    ----------
    placements : sequence of str or Placement
        The views; each member gets one.
    n_seeds : int >= 1
        Members per view, each with its own seed (θ's initialisation, batch order).
    random_state : int, RandomState or None
        Draws the members' seeds (members of one seed share it across views).
    n_jobs : int or None
        Members fitted in parallel (joblib), as ``VotingClassifier``'s ``n_jobs``.
    **params
        ``ReprogramClassifier`` parameters shared by every member.

    Returns
    -------
    VotingClassifier
        Unfitted; members are named ``"<placement>-<k>"`` (``named_estimators_`` after fit).
    """
    if int(n_seeds) < 1 or not len(placements):
        raise ValueError(
            f"an ensemble needs n_seeds >= 1 and at least one placement; got n_seeds={n_seeds}, "
            f"placements={list(placements)}"
        )
    if random_state is None:
        seeds = [None] * int(n_seeds)
    else:
        seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n_seeds)
        seeds = [int(s) for s in seeds]
    members = []
    for k, seed in enumerate(seeds):
        for placement in placements:
            label = placement if isinstance(placement, str) else placement.name
            est = ReprogramClassifier(placement=placement, random_state=seed, **params)
            members.append((f"{label}-{k}", est))
    return VotingClassifier(members, voting="soft", n_jobs=n_jobs)
