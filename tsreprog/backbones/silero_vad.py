"""Silero VAD's 16-kHz voice-activity model, with weights from ``silero-vad``.

A port written from reading silero-vad 6.2.3 (``silero_vad/tinygrad_model.py``, the package's
own plain re-implementation, and ``OnnxWrapper`` in ``silero_vad/utils_vad.py``; MIT). The
package runs the model as a stream of 512-sample chunks (32 ms): each chunk with the last 64
samples of the previous one in front (zeros before the first), 64 more samples mirrored at
its end, a learned STFT (a strided convolution of 258 filters of 256 samples = the real and
imaginary parts of 129 bins), magnitudes, four convolutions with ReLU (129 -> 128 -> 64 ->
64 -> 128, strides 1, 2, 2, 1) down to one 128-d vector per chunk, one LSTM cell carried from
chunk to chunk, ReLU, a 1x1 convolution and a sigmoid: the probability of speech per chunk.

Weights come from the initializers of ``silero_vad/data/silero_vad_16k_op15.onnx``, read as
tensors with the ``onnx`` package (the graph is never run): the model that the package's
``load_silero_vad(onnx=True, opset_version=15)`` runs, whose outputs equal those of its default
``silero_vad.onnx`` (checked on a synthesized word: identical). The package's
``silero_vad.jit`` is never loaded: a TorchScript file carries code. Nor is its
``silero_vad_16k.safetensors``: it has the same layers but other values (silero-vad 6.2.3:
up to 18 apart in a convolution weight), and with them the port's speech probabilities differ
from the ONNX model's by up to 0.36, so they are not the weights the package runs.

Output. The model has one class (speech), and one probability cannot be mapped to two or more
target classes, so the backbone's output is an embedding: the chunk mean of the LSTM's output
after the ReLU (128-d), the vector the model's speech decision is a linear function of. The
speech logits per chunk are in the extras (``speech_logits``).

The window is 1 s (16,000 samples); as the package's ``audio_forward`` does, it is padded
with zeros to 32 chunks (16,384 samples).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tsreprog.backbones._base import AcousticModel, BackboneCfg, PackageWeights
from tsreprog.backbones._registry import register_backbone

__all__ = ["SILERO_VAD_CFG", "SileroEncoderNet", "SileroSTFT", "read_silero_weights"]

CHUNK = 512
CONTEXT = 64
N_FFT = 256
HOP = 128
BINS = N_FFT // 2 + 1


class SileroSTFT(nn.Module):
    """Chunks of the window and their magnitude spectra through Silero's learned STFT.

    Shapes
    ------
    ``wave (batch, samples) -> magnitudes (batch, n_chunks, 129, 4)``, ``n_chunks =
    ceil(samples / 512)``; autograd: yes (the square root is floored at 1e-20 of power, so a
    silent bin has a zero gradient rather than an infinite one). No ``stft``/``from_stft``
    methods: the magnitude of a learned transform is not the log-mel fast path.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stft_conv = nn.Conv1d(1, 2 * BINS, N_FFT, stride=HOP, bias=False)

    def chunks(self, wave: Tensor) -> Tensor:
        """``(batch, samples) -> (batch, n_chunks, 640)``: context + chunk + mirrored end."""
        n = -(-wave.shape[-1] // CHUNK)
        x = F.pad(wave, (CONTEXT, n * CHUNK - wave.shape[-1]))
        x = x.unfold(-1, CONTEXT + CHUNK, CHUNK)  # (batch, n, 576)
        b = x.shape[0]
        # reflect padding needs (N, C, L): each chunk mirrored at its own end
        x = F.pad(x.reshape(b * n, 1, CONTEXT + CHUNK), (0, CONTEXT), mode="reflect")
        return x.view(b, n, CONTEXT + CHUNK + CONTEXT)

    def forward(self, wave: Tensor) -> Tensor:
        x = self.chunks(wave)
        b, n, length = x.shape
        spec = self.stft_conv(x.reshape(b * n, 1, length))  # (b*n, 258, 4)
        power = spec[:, :BINS].square() + spec[:, BINS:].square()
        return power.clamp_min(1e-20).sqrt().view(b, n, BINS, -1)


class SileroEncoderNet(nn.Module):
    """Silero's encoder per chunk, its LSTM over the chunks, and the speech head.

    Shapes
    ------
    ``magnitudes (batch, n_chunks, 129, 4) -> embedding (batch, 128)`` (chunk mean of the
    ReLU of the LSTM's output); ``return_extras=True`` adds ``embedding`` and
    ``speech_logits`` (batch, n_chunks), whose sigmoid is the package's speech probability.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(BINS, 128, 3, padding=1)
        self.conv2 = nn.Conv1d(128, 64, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(64, 64, 3, stride=2, padding=1)
        self.conv4 = nn.Conv1d(64, 128, 3, padding=1)
        # the package steps one LSTMCell chunk by chunk; one LSTM layer over the chunk
        # sequence is the same recurrence with the same weight layout, in one call
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.head = nn.Conv1d(128, 1, 1)

    def train(self, mode: bool = True) -> SileroEncoderNet:
        super().train(mode)
        self.lstm.train()  # gradients to the input on CUDA in eval mode (see the AttRNN)
        return self

    def forward(self, mags: Tensor, return_extras: bool = False):
        b, n = mags.shape[:2]
        x = mags.reshape(b * n, *mags.shape[2:])
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = torch.relu(conv(x))
        h, _ = self.lstm(x.squeeze(-1).view(b, n, -1))  # (b, n, 128)
        h = torch.relu(h)
        emb = h.mean(1)
        if return_extras:
            speech = self.head(h.transpose(1, 2)).squeeze(1)  # (b, n)
            return emb, {"embedding": emb, "speech_logits": speech}
        return emb


def read_silero_weights(path: Path) -> dict:
    """The initializers of ``silero_vad_16k_op15.onnx`` (tensors of a protobuf file, read with
    ``onnx.numpy_helper``; no graph is executed) as the state dict of :func:`silero_vad`'s
    model."""
    from tsreprog._optional import require

    onnx = require("onnx", "the silero-vad backbone's weights")
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    src = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    state = {"frontend.stft_conv.weight": src["model.stft.forward_basis_buffer"]}
    for k in range(4):
        state[f"network.conv{k + 1}.weight"] = src[f"model.encoder.{k}.reparam_conv.weight"]
        state[f"network.conv{k + 1}.bias"] = src[f"model.encoder.{k}.reparam_conv.bias"]
    for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        state[f"network.lstm.{part}_l0"] = src[f"model.decoder.rnn.{part}"]
    state["network.head.weight"] = src["model.decoder.decoder.2.weight"]
    state["network.head.bias"] = src["model.decoder.decoder.2.bias"]
    return state


SILERO_VAD_CFG = BackboneCfg(
    name="silero-vad",
    weights={
        "v6": PackageWeights(
            distribution="silero-vad",
            file="silero_vad/data/silero_vad_16k_op15.onnx",
            sha256="7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49",
            checked_version="6.2.3",
            reader=read_silero_weights,
        )
    },
    sample_rate=16000,
    input_samples=16000,
    num_classes=128,
    label_names=(),
    frontend={"chunk": CHUNK, "context": CONTEXT, "n_fft": N_FFT, "hop_length": HOP},
    license="MIT (silero-vad)",
    origin="Silero VAD v6 16-kHz model, trained by Silero",
    notes="voice activity; embedding output; see pretrained/MODEL_CARD_silero_vad.md",
    output="embedding",
)


@register_backbone(SILERO_VAD_CFG)
def silero_vad() -> AcousticModel:
    """Silero VAD over the 32 chunks of the 1-s window; a 128-d embedding."""
    return AcousticModel(SileroSTFT(), SileroEncoderNet(), SILERO_VAD_CFG)
