"""``linear``: a trained ``Linear(width, n_target)`` on the source logits or another layer."""

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
    """A trained linear layer from one output of the backbone to the target classes
    (``(width + 1) * n_classes`` parameters).

    Parameters
    ----------
    layer : str, default="auto"
        The backbone output it reads: ``"auto"``, the backbone's recommended features (its
        cfg's ``readout``: the AttRNN's ``"pooled"``); ``"logits"``, the source classes (a
        linear label mapping, as in the reprogramming literature); or a layer that the
        backbone's cfg lists in ``layers`` (the AttRNN's ``"embedding"`` (32), ``"context"``
        (128) and ``"pooled"`` (256: its last recurrent layer's outputs averaged and
        maximised over time)), a linear head on intermediate features.
    """

    name = "linear"
    trains = True
    _parameter_constraints = {"layer": [str]}

    def __init__(self, layer: str = "auto") -> None:
        self.layer = layer

    def __setstate__(self, state: dict) -> None:
        # pickled before ``layer`` existed, the mapping read the logits
        state.setdefault("layer", "logits")
        super().__setstate__(state)

    def reads(self, cfg) -> str:
        return cfg.readout if self.layer == "auto" else self.layer

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
            "title": "linear label mapping: weights"
            if self.layer == "logits"
            else "linear head: weights",
        }
