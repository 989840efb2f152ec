"""The attention-RNN speech-command model of de Andrade et al. (2018), as Voice2Series uses it.

Layer stack (``shared/reference/v2s.md`` section 2): two (5 x 1) convolutions over time with
ReLU and batch-norm (eps 1e-3), two bidirectional LSTMs of 64 units per direction, a query from
the **last** time step, softmax attention over the 125 steps, then Dense 64 ReLU -> Dense 32 ->
Dense 36.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tsreprog import kernels
from tsreprog.backbones._base import AcousticModel, BackboneCfg
from tsreprog.backbones._registry import register_backbone
from tsreprog.labels import SPEECH_COMMANDS_CLASSES

__all__ = ["AttRNN"]


class AttRNN(nn.Module):
    """Attention-RNN network on log-mel features.

    Shapes
    ------
    ``logmel (batch, n_mels, frames) -> logits (batch, num_classes)``.
    """

    def __init__(self, n_mels: int = 80, num_classes: int = 36, rnn_units: int = 64) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=(5, 1), padding=(2, 0))
        self.bn1 = nn.BatchNorm2d(10, eps=1e-3, momentum=0.01)
        self.conv2 = nn.Conv2d(10, 1, kernel_size=(5, 1), padding=(2, 0))
        self.bn2 = nn.BatchNorm2d(1, eps=1e-3, momentum=0.01)
        self.lstm1 = nn.LSTM(n_mels, rnn_units, batch_first=True, bidirectional=True)
        self.lstm2 = nn.LSTM(2 * rnn_units, rnn_units, batch_first=True, bidirectional=True)
        self.query = nn.Linear(2 * rnn_units, 2 * rnn_units)
        self.fc1 = nn.Linear(2 * rnn_units, 64)
        self.fc2 = nn.Linear(64, 32)
        self.out = nn.Linear(32, num_classes)
        #: use tsreprog's native kernels (``tsreprog.kernels``) when frozen, in eval mode, on
        #: CPU and when they are built; ``False``: always PyTorch's kernels
        self.native = True
        self._native_cache = None
        # the kernels' register blocking needs 16 | units; their filter tables hold 64 channels
        self._native_shapes = rnn_units % 16 == 0 and self.conv1.out_channels <= 64

    def train(self, mode: bool = True) -> AttRNN:
        super().train(mode)
        # cuDNN runs an RNN's backward pass only in training mode. With no dropout an LSTM's
        # mode changes nothing else, so the LSTMs stay in it: a frozen backbone in eval mode
        # still passes gradients to its input on CUDA.
        self.lstm1.train()
        self.lstm2.train()
        return self

    def _use_native(self, logmel: Tensor) -> bool:
        # getattr: networks pickled before these attributes existed load without them
        if not (getattr(self, "native", True) and getattr(self, "_native_shapes", False)):
            return False
        if self.training:
            return False
        if logmel.device.type != "cpu":
            return False
        if logmel.dtype != torch.float32:
            return False
        if torch.is_grad_enabled() and any(p.requires_grad for p in self.parameters()):
            return False  # weight gradients wanted: PyTorch's kernels compute them
        return kernels.library() is not None

    def _native_weights(self) -> tuple:
        key = tuple((t.data_ptr(), t._version) for t in (*self.parameters(), *self.buffers()))
        cached = getattr(self, "_native_cache", None)
        if cached is None or cached[0] != key:
            cached = self._native_cache = (
                key,
                kernels.conv_weights(self.conv1, self.bn1, self.conv2, self.bn2),
                kernels.lstm_weights(self.lstm1),
                kernels.lstm_weights(self.lstm2),
            )
        return cached[1:]

    def forward(self, logmel: Tensor, return_extras: bool = False) -> Tensor | tuple[Tensor, dict]:
        if self._use_native(logmel):
            w_conv, w_l1, w_l2 = self._native_weights()
            x = kernels.NativeConvBlock.apply(logmel.transpose(1, 2), w_conv)
            h = kernels.NativeBiLSTM.apply(x, w_l1)
            h = kernels.NativeBiLSTM.apply(h, w_l2)
        else:
            # (batch, n_mels, frames) -> (batch, 1, frames, n_mels): time is the conv's height
            x = logmel.transpose(1, 2).unsqueeze(1)
            x = self.bn1(torch.relu(self.conv1(x)))
            x = self.bn2(torch.relu(self.conv2(x)))
            x = x.squeeze(1)
            h, _ = self.lstm1(x)
            h, _ = self.lstm2(h)
        q = self.query(h[:, -1])
        scores = torch.softmax(torch.bmm(h, q.unsqueeze(-1)).squeeze(-1), dim=-1)
        context = torch.bmm(scores.unsqueeze(1), h).squeeze(1)
        emb = self.fc2(torch.relu(self.fc1(context)))
        logits = self.out(emb)
        if return_extras:
            # "pooled": the last BiLSTM's outputs averaged and maximised over time, a summary
            # of every frame that the query's attention (one weighting) does not keep
            pooled = torch.cat([h.mean(1), h.amax(1)], dim=1)
            return logits, {
                "attention": scores,
                "embedding": emb,
                "context": context,
                "pooled": pooled,
            }
        return logits


ATTRNN_CFG = BackboneCfg(
    name="attrnn",
    # the first tag is the default. synth-v2: espeak-ng, flite and festival, 30,600 augmented
    # clips; it reprograms better on both development suites and on spoken commands
    # (results/source_model/README.md). synth: espeak-ng, 9,000 clips, the default until
    # 2026-12-06, kept with its sha256 so estimators fitted with it still load
    weights={"synth-v2": "attrnn_synth_v2.pt", "synth": "attrnn_synth.pt"},
    sample_rate=16000,
    input_samples=16000,
    num_classes=36,
    label_names=SPEECH_COMMANDS_CLASSES,
    frontend={"n_fft": 1024, "hop_length": 128, "pad": 448, "n_mels": 80, "f_min": 40.0},
    # embedding: Dense 32 before the head; context: the attention's weighted sum of the last
    # BiLSTM's outputs; pooled: their mean and maximum over the 125 frames
    layers={"embedding": 32, "context": 128, "pooled": 256},
    # a linear head on "pooled" beat one on the logits by 7.4 points on the development suite
    # (results/accuracy_v3/README.md)
    readout="pooled",
    license="Apache-2.0",
    origin="trained by `tsreprog pretrain` on speech synthesized with espeak-ng, flite, festival",
    notes="de Andrade et al. 2018 architecture; see pretrained/MODEL_CARD_synth_v2.md",
)


@register_backbone(ATTRNN_CFG)
def attrnn() -> AcousticModel:
    """The attention-RNN of de Andrade et al. (2018) with its log-mel front end."""
    return AcousticModel.from_cfg(ATTRNN_CFG, AttRNN(n_mels=ATTRNN_CFG.frontend["n_mels"]))
