"""A tiny backbone for tests and quick examples: ``import tsreprog.testing`` registers
``"tiny-test"``.

It has a 0.1-s window (1,600 samples at 16 kHz), a 16-band log-mel front end and a few
thousand random weights: fits take well under a second, and nothing it predicts means
anything. It is not in :func:`tsreprog.list_backbones` until this module is imported (the
registry imports it on first use of the name, so worker processes find it too).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tsreprog.backbones._base import AcousticModel, BackboneCfg
from tsreprog.backbones._registry import register_backbone
from tsreprog.labels import SPEECH_COMMANDS_CLASSES

__all__ = ["TINY_CFG", "TinyNet"]


class TinyNet(nn.Module):
    """A very small network for fast tests (not meant for accuracy).

    Shapes
    ------
    ``logmel (batch, n_mels, frames) -> logits (batch, num_classes)``.
    """

    def __init__(self, n_mels: int = 16, num_classes: int = 36, hidden: int = 16) -> None:
        super().__init__()
        self.conv = nn.Conv1d(n_mels, hidden, kernel_size=3, padding=1)
        self.emb = nn.Linear(hidden, 8)
        self.out = nn.Linear(8, num_classes)

    def forward(self, logmel: Tensor, return_extras: bool = False) -> Tensor | tuple[Tensor, dict]:
        h = torch.relu(self.conv(logmel))  # (batch, hidden, frames)
        scores = torch.softmax(h.mean(dim=1), dim=-1)  # attention-like weights over frames
        emb = self.emb((h * scores.unsqueeze(1)).sum(-1))
        logits = self.out(torch.relu(emb))
        if return_extras:
            pooled = torch.cat([h.mean(-1), h.amax(-1)], dim=1)
            return logits, {"attention": scores, "embedding": emb, "pooled": pooled}
        return logits


TINY_CFG = BackboneCfg(
    name="tiny-test",
    weights={},
    sample_rate=16000,
    input_samples=1600,
    num_classes=36,
    label_names=SPEECH_COMMANDS_CLASSES,
    frontend={"n_fft": 256, "hop_length": 64, "pad": 96, "n_mels": 16, "f_min": 40.0},
    layers={"embedding": 8, "pooled": 32},
    readout="pooled",
    license="Apache-2.0",
    origin="random initialisation with a fixed seed; for tests only",
    notes="0.1-s input window, tiny convolutional net: fast, not accurate",
)


@register_backbone(TINY_CFG)
def tiny_test() -> AcousticModel:
    """A tiny backbone with a 1600-sample window, for tests and quick experiments."""
    return AcousticModel.from_cfg(TINY_CFG, TinyNet(n_mels=TINY_CFG.frontend["n_mels"]))
