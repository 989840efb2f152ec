"""``ilm``: a many-to-one mapping reassigned at every epoch (ILM-VP, Chen et al., CVPR 2023).

Chen et al. ("Understanding and Improving Visual Prompting: A Label-Mapping Perspective")
observe that a label mapping fixed before training goes stale as the input perturbation
learns: which source classes the reprogrammed inputs of a class fall into changes. Their
iterative label mapping recomputes the frequency mapping from the current model's source
predictions at the start of every epoch. Here that is the many-to-one mapping of
Voice2Series with the ``frequency`` assignment, recomputed before each epoch from the
training series with the current θ.
"""

from __future__ import annotations

from tsreprog.mappings._assign import greedy_assignment
from tsreprog.mappings._base import register_mapping
from tsreprog.mappings.many_to_one import ManyToOne

__all__ = ["ILM"]


@register_mapping
class ILM(ManyToOne):
    """Many-to-one mapping with its frequency assignment redone at every epoch.

    Parameters
    ----------
    n_map : int or None, default=None
        Source classes per target; ``None`` gives ``n_source // n_target``.
    """

    name = "ilm"
    remaps = True
    _parameter_constraints = {"n_map": ManyToOne._parameter_constraints["n_map"]}

    def __init__(self, n_map: int | None = None) -> None:
        self.n_map = n_map

    @property
    def assignment(self) -> str:
        return "frequency"

    def remap(self, module, scores) -> None:
        m = module.assignment.shape[0] // module.n_target if self.n_map is None else self.n_map
        module.set_assignment(greedy_assignment(scores("frequency"), m))

    def describe(self, module):
        return {**super().describe(module), "title": "many-to-one label mapping (ILM)"}
