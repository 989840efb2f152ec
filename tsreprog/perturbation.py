"""The trainable perturbation: ``x' = placed + dropout(M ⊙ θ)`` with θ of shape ``(window,)``.

Voice2Series, Sec. 3.2. The placement (``tsreprog.placements``) gives ``placed`` and the
occupancy whose complement is ``M``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["InputReprogrammer"]


class InputReprogrammer(nn.Module):
    """Trainable additive perturbation θ over the model's input window.

    Parameters
    ----------
    window : int
        Samples of the input window (16000 for 1 s at 16 kHz).
    mask : bool
        Zero θ where the series sits (the paper's ``M``); the released V2S code does not.
    dropout : float in [0, 1)
        Dropout on θ during training only; one mask per step, shared by the batch (θ is one
        vector, as in Voice2Series' ``ARTLayer``). Never applied in eval mode.
    init : {"glorot", "zeros"}
        Glorot-uniform is Keras' default, ``U(±sqrt(6 / (window + 1)))``.
    generator : torch.Generator or None
        CPU generator for θ's initialisation and the dropout masks; ``None`` uses torch's
        global RNG. A fit passes its own, so fits in parallel threads stay reproducible.

    Shapes
    ------
    ``placed (batch, window)``, ``occupied (batch or 1, window)`` -> ``(batch, window)``;
    autograd: yes, to θ.
    """

    def __init__(
        self,
        window: int = 16000,
        mask: bool = False,
        dropout: float = 0.0,
        init: str = "glorot",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.window = window
        self.mask = mask
        self.dropout = dropout
        theta = torch.zeros(window)
        if init == "glorot":
            bound = math.sqrt(6.0 / (window + 1))
            theta.uniform_(-bound, bound, generator=generator)
        elif init != "zeros":
            raise ValueError(f"init must be 'glorot' or 'zeros', got {init!r}")
        self.theta = nn.Parameter(theta)
        self.enabled = True
        self.generator = generator

    def sample_dropout_mask(self) -> Tensor | None:
        """One step's dropout mask for θ, ``(1, window)`` of 0 and ``1/(1-p)``; None if unused.

        Drawing it once and passing it to :meth:`perturbation` lets several threads that each
        compute part of a mini-batch share the same mask.
        """
        if not (self.training and self.dropout > 0 and self.enabled):
            return None
        if self.generator is None:
            keep = torch.rand(1, self.window, device=self.theta.device) >= self.dropout
        else:  # drawn on the CPU generator, then moved: the same masks on every device
            keep = (torch.rand(1, self.window, generator=self.generator) >= self.dropout).to(
                self.theta.device
            )
        return keep.to(self.theta.dtype) / (1.0 - self.dropout)

    def perturbation(
        self, occupied: Tensor | None = None, dropout_mask: Tensor | None = None
    ) -> Tensor:
        """Effective perturbation ``dropout(M ⊙ θ)``: shape (1, window) or (batch, window).

        ``dropout_mask`` (from :meth:`sample_dropout_mask`) replaces a freshly drawn mask.
        """
        theta = self.theta.unsqueeze(0)
        if not self.enabled:
            return torch.zeros_like(theta)
        if self.training and self.dropout > 0:
            if dropout_mask is None:
                dropout_mask = self.sample_dropout_mask()
            theta = theta * dropout_mask
        if self.mask and occupied is not None:
            theta = theta * (~occupied).to(theta.dtype)
        return theta

    def forward(
        self, placed: Tensor, occupied: Tensor | None = None, dropout_mask: Tensor | None = None
    ) -> Tensor:
        return placed + self.perturbation(occupied, dropout_mask)

    def extra_repr(self) -> str:
        return f"window={self.window}, mask={self.mask}, dropout={self.dropout}"
