"""Label mappings from the backbone's source classes to the target classes.

Many-to-one (Voice2Series, Eq. 4): target class ``c`` owns a set ``B_c`` of source classes
(sets are disjoint). With source probabilities ``p = softmax(z)``,

.. math::

    q_c = \\frac{\\tfrac{1}{|B_c|}\\sum_{s \\in B_c} p_s}{\\sum_{c'} \\tfrac{1}{|B_{c'}|}
    \\sum_{s \\in B_{c'}} p_s}, \\qquad \\text{loss} = -\\log q_y,

i.e. the averaged probabilities renormalised over the mapped classes, as the released code's
Keras cross-entropy does. It is computed with ``logsumexp`` on the logits, never on rounded
probabilities. ``linear`` is a trainable ``Linear(n_source, n_target)`` on the source logits.

Assignments (:func:`assign_many_to_one`): ``ordered`` (target ``c`` gets sources
``c*m ... c*m+m-1``, as the code), ``random`` (a random permutation, as the paper), or from a
score matrix (``greedy_assignment``: frequency- or similarity-based).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "LinearMapping",
    "ManyToOneMapping",
    "assign_many_to_one",
    "greedy_assignment",
]


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


class ManyToOneMapping(nn.Module):
    """Average the source probabilities of each target's classes and renormalise.

    Parameters
    ----------
    assignment : bool array of shape (n_source, n_target)

    Shapes
    ------
    ``source_logits (batch, n_source) -> target log-probabilities (batch, n_target)``.
    """

    def __init__(self, assignment: np.ndarray) -> None:
        super().__init__()
        A = torch.as_tensor(np.asarray(assignment, dtype=bool))
        if A.ndim != 2 or (A.sum(0) == 0).any() or (A.sum(1) > 1).any():
            raise ValueError(
                "assignment must be (n_source, n_target) with at least one source per target "
                "and at most one target per source"
            )
        self.register_buffer("assignment", A)
        # log of (1/|B_c|) on mapped entries, -inf elsewhere
        w = torch.where(A, -torch.log(A.sum(0, keepdim=True).double()), float("-inf"))
        self.register_buffer("log_weight", w)

    @property
    def n_target(self) -> int:
        return self.assignment.shape[1]

    def forward(self, source_logits: Tensor) -> Tensor:
        log_p = torch.log_softmax(source_logits, dim=-1)
        scores = torch.logsumexp(log_p.unsqueeze(-1) + self.log_weight.to(log_p.dtype), dim=-2)
        return scores - torch.logsumexp(scores, dim=-1, keepdim=True)


class LinearMapping(nn.Module):
    """A trainable linear map from source logits to target logits.

    Shapes
    ------
    ``source_logits (batch, n_source) -> target log-probabilities (batch, n_target)``.
    """

    def __init__(
        self, n_source: int, n_target: int, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        # nn.Linear's own initialisation, drawn from ``generator`` (CPU) when given instead of
        # torch's global RNG, so fits running in parallel threads stay reproducible
        self.linear = nn.utils.skip_init(nn.Linear, n_source, n_target)
        bound = 1.0 / math.sqrt(n_source)
        with torch.no_grad():
            nn.init.kaiming_uniform_(self.linear.weight, a=math.sqrt(5), generator=generator)
            self.linear.bias.uniform_(-bound, bound, generator=generator)

    @property
    def n_target(self) -> int:
        return self.linear.out_features

    def forward(self, source_logits: Tensor) -> Tensor:
        return torch.log_softmax(self.linear(source_logits), dim=-1)
