"""``many_to_one``: each target class averages the probabilities of its own source classes.

Voice2Series, Eq. 4: target class ``c`` owns a set ``B_c`` of source classes (sets are
disjoint). With source probabilities ``p = softmax(z)``,

.. math::

    q_c = \\frac{\\tfrac{1}{|B_c|}\\sum_{s \\in B_c} p_s}{\\sum_{c'} \\tfrac{1}{|B_{c'}|}
    \\sum_{s \\in B_{c'}} p_s}, \\qquad \\text{loss} = -\\log q_y,

the averaged probabilities renormalised over the mapped classes, as the released code's Keras
cross-entropy does, computed with ``logsumexp`` on the logits.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import Tensor, nn

from tsreprog.mappings._assign import assign_many_to_one, greedy_assignment
from tsreprog.mappings._base import Mapping, register_mapping

__all__ = ["ManyToOne", "ManyToOneMapping"]

ASSIGNMENTS = ("ordered", "random", "frequency", "similarity")


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
        A, w = self._checked(assignment)
        self.register_buffer("assignment", A)
        # log of (1/|B_c|) on mapped entries, -inf elsewhere
        self.register_buffer("log_weight", w)

    @staticmethod
    def _checked(assignment) -> tuple[Tensor, Tensor]:
        A = torch.as_tensor(np.asarray(assignment, dtype=bool))
        if A.ndim != 2 or (A.sum(0) == 0).any() or (A.sum(1) > 1).any():
            raise ValueError(
                "assignment must be (n_source, n_target) with at least one source per target "
                "and at most one target per source"
            )
        return A, torch.where(A, -torch.log(A.sum(0, keepdim=True).double()), float("-inf"))

    def set_assignment(self, assignment: np.ndarray) -> None:
        """Replace the assignment in place (same shape), e.g. at an epoch's start."""
        A, w = self._checked(assignment)
        if A.shape != self.assignment.shape:
            raise ValueError(
                f"assignment of shape {tuple(A.shape)}, expected {self.assignment.shape}"
            )
        self.assignment.copy_(A.to(self.assignment.device))
        self.log_weight.copy_(w.to(self.log_weight.device))

    @property
    def n_target(self) -> int:
        return self.assignment.shape[1]

    def forward(self, source_logits: Tensor) -> Tensor:
        log_p = torch.log_softmax(source_logits, dim=-1)
        scores = torch.logsumexp(log_p.unsqueeze(-1) + self.log_weight.to(log_p.dtype), dim=-2)
        return scores - torch.logsumexp(scores, dim=-1, keepdim=True)


@register_mapping
class ManyToOne(Mapping):
    """Many-to-one label mapping (Voice2Series), nothing trained.

    Parameters
    ----------
    n_map : int or None, default=None
        Source classes per target; ``None`` gives ``n_source // n_target`` (the paper's
        "maximal" mapping).
    assignment : {"ordered", "random", "frequency", "similarity"}, default="frequency"
        Which sources each target gets, fixed before training: ``ordered`` (as the code),
        ``random`` (as the paper), ``frequency`` (the sources the backbone predicts most often
        for the class's training series, with θ at its initial value), ``similarity`` (Yen et
        al.: cosine similarity of class-mean embeddings to the source classes' embeddings).
        The data-driven two assign greedily by decreasing score, without sharing.
    """

    name = "many_to_one"
    trains = False
    needs_source_classes = True
    _parameter_constraints = {
        "n_map": [Interval(Integral, 1, None, closed="left"), None],
        "assignment": [StrOptions(set(ASSIGNMENTS))],
    }

    def __init__(self, n_map: int | None = None, assignment: str = "frequency") -> None:
        self.n_map = n_map
        self.assignment = assignment

    def check(self, n_source: int, n_target: int) -> None:
        super().check(n_source, n_target)
        if n_target > n_source:
            raise ValueError(
                f"{n_target} classes but the backbone has only {n_source} source classes; "
                "mapping='many_to_one' needs n_classes <= n_source: use mapping='linear'"
            )
        assign_many_to_one(n_source, n_target, self.n_map)  # refuses an n_map that does not fit

    def build(self, n_source, n_target, *, rng, generator, scores):
        if self.assignment in ("ordered", "random"):
            A = assign_many_to_one(n_source, n_target, self.n_map, self.assignment, rng)
        else:
            m = n_source // n_target if self.n_map is None else self.n_map
            A = greedy_assignment(scores(self.assignment), m)
        return ManyToOneMapping(A)

    def from_state(self, n_source, n_target, state):
        return ManyToOneMapping(np.asarray(state["assignment"], dtype=bool))

    def describe(self, module):
        A = module.assignment.cpu().numpy()
        return {
            "kind": "assignment",
            "matrix": A,
            "title": f"many-to-one label mapping ({self.assignment})",
        }
