"""``linear``: a trained ``Linear(n_source, n_target)`` on the source logits."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from tsreprog.mappings._base import Mapping, register_mapping, tensors

__all__ = ["Linear", "LinearMapping"]


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


@register_mapping
class Linear(Mapping):
    """A trained linear layer from the source logits to the target classes
    (``(n_source + 1) * n_classes`` parameters). No parameters."""

    name = "linear"
    trains = True

    def build(self, n_source, n_target, *, rng, generator, scores):
        return LinearMapping(n_source, n_target, generator)

    def from_state(self, n_source, n_target, state):
        module = LinearMapping(n_source, n_target)
        module.load_state_dict(tensors(state))
        return module

    def describe(self, module):
        return {
            "kind": "weights",
            "matrix": module.linear.weight.detach().cpu().double().numpy(),
            "title": "linear label mapping: weights",
        }
