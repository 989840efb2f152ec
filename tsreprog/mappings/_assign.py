"""Many-to-one assignments: which source classes each target class owns.

``ordered`` (target ``c`` gets sources ``c*m ... c*m+m-1``, as Voice2Series' code), ``random``
(a random permutation, as the paper), or from a score matrix (:func:`greedy_assignment`:
frequency- or similarity-based, Yen et al. 2023).
"""

from __future__ import annotations

import numpy as np

__all__ = ["assign_many_to_one", "greedy_assignment"]


def assign_many_to_one(
    n_source: int,
    n_target: int,
    n_map: int | None = None,
    method: str = "ordered",
    random_state: np.random.RandomState | None = None,
) -> np.ndarray:
    """A many-to-one assignment matrix.

    Parameters
    ----------
    n_source, n_target : int
    n_map : int or None
        Source classes per target; ``None`` gives ``n_source // n_target`` (the paper's
        "maximal" mapping).
    method : {"ordered", "random"}
    random_state : numpy RandomState, needed for ``"random"``

    Returns
    -------
    ndarray of shape (n_source, n_target), bool
        ``A[s, c]`` is True when source ``s`` belongs to target ``c``.
    """
    if n_target > n_source:
        raise ValueError(
            f"many-to-one mapping needs at most {n_source} target classes (the backbone's "
            f"source classes), got {n_target}; use mapping='linear' for more classes"
        )
    m = n_source // n_target if n_map is None else int(n_map)
    if m < 1 or m * n_target > n_source:
        raise ValueError(
            f"n_map={m} source classes for each of {n_target} targets needs {m * n_target} "
            f"source classes, but the backbone has {n_source}; use n_map <= "
            f"{n_source // n_target}"
        )
    if method == "ordered":
        order = np.arange(n_source)
    elif method == "random":
        rng = random_state if random_state is not None else np.random.RandomState(0)
        order = rng.permutation(n_source)
    else:
        raise ValueError(f"assignment method must be 'ordered' or 'random', got {method!r}")
    A = np.zeros((n_source, n_target), dtype=bool)
    for c in range(n_target):
        A[order[c * m : (c + 1) * m], c] = True
    return A


def greedy_assignment(scores: np.ndarray, n_map: int | list[int]) -> np.ndarray:
    """Give each target its best-scoring source classes, greedily and without sharing.

    Pairs ``(s, c)`` are taken in order of decreasing ``scores[s, c]``; a pair is kept while
    source ``s`` is unused and target ``c`` has fewer than its quota of sources.

    Parameters
    ----------
    scores : ndarray of shape (n_source, n_target)
        Higher is better (e.g. mean probability of source ``s`` on training series of class
        ``c``, or cosine similarity of class-mean embeddings).
    n_map : int or list of int
        Quota of source classes per target.

    Returns
    -------
    ndarray of shape (n_source, n_target), bool
        A valid many-to-one map: every target gets exactly its quota, no source is shared.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n_source, n_target = scores.shape
    quota = np.full(n_target, n_map) if np.isscalar(n_map) else np.asarray(n_map)
    if len(quota) != n_target or quota.min() < 1 or quota.sum() > n_source:
        raise ValueError(
            f"quotas {quota.tolist()} do not fit {n_source} source and {n_target} target classes"
        )
    A = np.zeros((n_source, n_target), dtype=bool)
    used = np.zeros(n_source, dtype=bool)
    count = np.zeros(n_target, dtype=int)
    # stable sort: ties resolved by source index, then target index
    for flat in np.argsort(-scores, axis=None, kind="stable"):
        s, c = divmod(int(flat), n_target)
        if not used[s] and count[c] < quota[c]:
            A[s, c] = used[s] = True
            count[c] += 1
    return A
