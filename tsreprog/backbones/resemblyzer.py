"""Resemblyzer's voice encoder (GE2E speaker embedding), with weights from ``resemblyzer``.

A port written from reading Resemblyzer 0.1.4 (``resemblyzer/voice_encoder.py``,
``resemblyzer/audio.py``, ``resemblyzer/hparams.py``; Apache-2.0): a 40-band mel *power*
spectrogram (25-ms Hann window, 10-ms hop, no logarithm: the package feeds the power itself),
three stacked LSTMs of 256 units, the last layer's final hidden state through a linear layer
of 256, ReLU, and L2 normalisation. The output is a 256-d speaker embedding: the model has no
classes, so only mappings that learn from features (``linear``) apply.

The input window is one of the package's "partial utterances": 160 mel frames, 1.59 s
(25,440 samples at 16 kHz; with centred frames, ``1 + 25440 // 160 = 160``). The package
embeds longer audio as the mean of overlapping partials; a window of one partial is the unit
it was trained on, and on 25,440 samples ``VoiceEncoder.embed_utterance`` computes exactly
one partial, which the port check compares with.

The package is never imported (its ``webrtcvad`` import fails where ``setuptools`` no longer
ships ``pkg_resources``): :func:`read_resemblyzer_weights` reads its ``pretrained.pt``, a
checkpoint of tensors and numbers, with ``weights_only=True``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchaudio.functional as AF
from torch import Tensor, nn

from tsreprog.backbones._base import AcousticModel, BackboneCfg, PackageWeights
from tsreprog.backbones._registry import register_backbone

__all__ = ["RESEMBLYZER_CFG", "MelPowerFrontend", "VoiceEncoderNet", "read_resemblyzer_weights"]

#: one partial utterance of 160 frames of 10 ms
PARTIAL_SAMPLES = 25_440


class MelPowerFrontend(nn.Module):
    """``librosa.feature.melspectrogram`` with Resemblyzer's settings, on torchaudio.

    Centred frames with zero padding (librosa >= 0.10's ``pad_mode="constant"``), periodic
    Hann window of ``n_fft`` samples, power spectrum, Slaney mel filterbank from 0 Hz to
    Nyquist with Slaney area normalisation (librosa's defaults). No logarithm.

    Shapes
    ------
    ``wave (batch, samples) -> mel power (batch, frames, n_mels)`` (time first: the LSTM's
    layout), ``frames = 1 + samples // hop_length``; autograd: yes, to the input.
    """

    def __init__(
        self, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160, n_mels: int = 40
    ) -> None:
        super().__init__()
        self.sample_rate, self.n_fft, self.hop_length, self.n_mels = (
            sample_rate,
            n_fft,
            hop_length,
            n_mels,
        )
        self.register_buffer("window", torch.hann_window(n_fft, periodic=True), persistent=False)
        fb = AF.melscale_fbanks(
            n_freqs=n_fft // 2 + 1,
            f_min=0.0,
            f_max=sample_rate / 2,
            n_mels=n_mels,
            sample_rate=sample_rate,
            norm="slaney",
            mel_scale="slaney",
        )
        self.register_buffer("fbank", fb, persistent=False)

    def forward(self, wave: Tensor) -> Tensor:
        power = AF.spectrogram(
            wave,
            pad=0,
            window=self.window,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            win_length=self.n_fft,
            power=2.0,
            normalized=False,
            center=True,
            pad_mode="constant",
        )  # (batch, freqs, frames)
        return torch.matmul(power.transpose(-1, -2), self.fbank)

    def extra_repr(self) -> str:
        return (
            f"sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length}, "
            f"n_mels={self.n_mels}, power=2, no log"
        )


class VoiceEncoderNet(nn.Module):
    """Three LSTMs (256) -> last hidden state -> Linear(256) -> ReLU -> L2 normalisation.

    Shapes
    ------
    ``mel (batch, frames, 40) -> embedding (batch, 256)``, unit norm, non-negative.
    ``return_extras=True`` adds ``embedding`` (the same vector).
    """

    def __init__(self, n_mels: int = 40, hidden: int = 256, layers: int = 3, dim: int = 256):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden, layers, batch_first=True)
        self.linear = nn.Linear(hidden, dim)

    def train(self, mode: bool = True) -> VoiceEncoderNet:
        super().train(mode)
        # cuDNN runs an RNN's backward pass only in training mode; without dropout the mode
        # changes nothing else, so a frozen encoder in eval mode still passes gradients to its
        # input on CUDA (as the AttRNN does)
        self.lstm.train()
        return self

    def forward(self, mel: Tensor, return_extras: bool = False):
        _, (hidden, _) = self.lstm(mel)
        raw = torch.relu(self.linear(hidden[-1]))
        # the package divides by the norm itself; the floor only keeps an all-zero ReLU
        # output (never seen on speech) from giving NaN
        emb = raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-12)
        if return_extras:
            return emb, {"embedding": emb}
        return emb


def read_resemblyzer_weights(path: Path) -> dict:
    """Resemblyzer's ``pretrained.pt`` (``{"step", "model_state", "optimizer_state"}``, read
    with ``weights_only=True``) as the state dict of :func:`resemblyzer`'s model.

    The checkpoint also holds the GE2E loss's ``similarity_weight``/``similarity_bias``
    (training only) and the optimiser's state; both are left out, as the package leaves them.
    """
    from tsreprog._io import load_plain_torch

    ckpt = load_plain_torch(path, f"{path} holds objects other than tensors; refused")
    src = ckpt["model_state"]
    return {f"network.{k}": v for k, v in src.items() if k.startswith(("lstm.", "linear."))}


RESEMBLYZER_CFG = BackboneCfg(
    name="resemblyzer",
    weights={
        "ge2e": PackageWeights(
            distribution="resemblyzer",
            file="resemblyzer/pretrained.pt",
            sha256="39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e",
            checked_version="0.1.4",
            reader=read_resemblyzer_weights,
        )
    },
    sample_rate=16000,
    input_samples=PARTIAL_SAMPLES,
    num_classes=256,
    label_names=(),
    frontend={"n_fft": 400, "hop_length": 160, "n_mels": 40, "power": 2.0, "log": False},
    license="Apache-2.0 (Resemblyzer)",
    origin="Resemblyzer's voice encoder (GE2E loss, Wan et al. 2018), trained by its authors",
    notes="speaker embedding, no classes; see pretrained/MODEL_CARD_resemblyzer.md",
    output="embedding",
)


@register_backbone(RESEMBLYZER_CFG)
def resemblyzer() -> AcousticModel:
    """Resemblyzer's voice encoder on one 1.59-s partial utterance; a 256-d embedding."""
    return AcousticModel(MelPowerFrontend(), VoiceEncoderNet(), RESEMBLYZER_CFG)
