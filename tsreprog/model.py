"""ReprogrammedModel: input reprogrammer -> frozen acoustic model -> label mapping."""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import Tensor, nn

from tsreprog.backbones import AcousticModel
from tsreprog.inference import batched
from tsreprog.perturbation import InputReprogrammer

__all__ = ["ReprogrammedModel", "has_spectral_path"]


def has_spectral_path(frontend: nn.Module) -> bool:
    """Whether ``frontend`` offers the STFT-linearity fast path (``stft`` and ``from_stft``)."""
    return callable(getattr(frontend, "stft", None)) and callable(
        getattr(frontend, "from_stft", None)
    )


class ReprogrammedModel(nn.Module):
    """Composes :class:`InputReprogrammer`, a backbone and a mapping.

    Parameters
    ----------
    reprogrammer : InputReprogrammer
    backbone : AcousticModel
        Frozen here (``requires_grad_(False)``, kept in eval mode by :meth:`train`) unless
        ``finetune``.
    mapping : nn.Module
        ``features (batch, width) -> target log-probs (batch, n_target)``, where the features
        are the backbone's output ``layer``.
    finetune : bool
        Train the backbone's weights too (Yen et al.'s "reprogramming + transfer learning").
    layer : str
        The backbone output the mapping reads: ``"logits"`` (the source classes) or a name in
        the backbone cfg's ``layers`` (:meth:`tsreprog.mappings.Mapping.reads`).

    Notes
    -----
    Two computations give the same result (tested to 1e-4):

    - ``fast=False``, the reference: ``logmel(placed + θ)``.
    - ``fast=True``: the STFT is linear, so ``stft(placed + θ) = stft(placed) + stft(θ)``. The
      placed series' spectrum needs no gradient (it may also be passed in precomputed), and
      θ's spectrum is computed once per step, not once per series, so the costly backward pass
      through the STFT runs on one vector instead of the batch.

    The fast path is optional per front end: it is taken only when the backbone's front end
    has ``stft(wave)`` and ``from_stft(spec, delta=...)`` (:func:`has_spectral_path`). Any
    other front end (raw-waveform frames, a learned filterbank) runs the reference path,
    whatever ``fast`` says, and :meth:`placed_spectra` returns ``None`` for it.

    Shapes
    ------
    ``placed (batch, window)``, ``occupied (batch or 1, window)`` -> ``(batch, n_target)``.
    """

    def __init__(
        self,
        reprogrammer: InputReprogrammer,
        backbone: AcousticModel,
        mapping: nn.Module,
        finetune: bool = False,
        layer: str = "logits",
    ) -> None:
        super().__init__()
        backbone.cfg.output_width(layer)  # a clear error for an output the backbone lacks
        if reprogrammer.window != backbone.cfg.input_samples:
            raise ValueError(
                f"reprogrammer window {reprogrammer.window} != backbone input "
                f"{backbone.cfg.input_samples} samples"
            )
        self.reprogrammer = reprogrammer
        self.backbone = backbone
        self.mapping = mapping
        self.finetune = finetune
        self.layer = layer
        if not finetune:
            backbone.freeze()

    def train(self, mode: bool = True) -> ReprogrammedModel:
        super().train(mode)
        if not self.finetune:
            self.backbone.eval()  # batch-norm running statistics, no dropout
        return self

    def logmel(
        self,
        placed: Tensor,
        occupied: Tensor | None = None,
        spec: Tensor | None = None,
        fast: bool = True,
        dropout_mask: Tensor | None = None,
    ) -> Tensor:
        """The front end's features of the reprogrammed input (log-mel: ``(batch, n_mels,
        frames)``; other front ends: their own feature shape)."""
        fe = self.backbone.frontend
        if not fast or not has_spectral_path(fe):
            return fe(self.reprogrammer(placed, occupied, dropout_mask))
        if spec is None:
            with torch.no_grad():
                spec = fe.stft(placed)
        theta_spec = fe.stft(self.reprogrammer.perturbation(occupied, dropout_mask))
        return fe.from_stft(spec, delta=theta_spec)

    def placed_spectra(
        self, placed: Tensor, max_mb: float = 512.0, chunk: int = 256
    ) -> Tensor | None:
        """Spectra of placed series for ``spec=``, or ``None`` when they exceed ``max_mb``.

        The placed series do not change during training, so their spectra (complex64,
        ``n_fft // 2 + 1`` x frames per series: 513 x 125 x 8 bytes = 0.5 MB for the AttRNN) can be
        computed once per fit instead of once per step. Over the memory budget the caller
        computes them on the fly, as ``spec=None`` does.

        Shapes
        ------
        ``placed (n, window) -> (n, n_freqs, frames)`` complex, on ``placed``'s device.
        """
        fe = self.backbone.frontend
        if not has_spectral_path(fe):
            return None
        per_series = (fe.n_fft // 2 + 1) * fe.n_frames(placed.shape[-1]) * 8
        if len(placed) == 0 or len(placed) * per_series > max_mb * 2**20:
            return None
        # contiguous (batch, freqs, frames): the layout the native mel kernel reads
        return torch.cat(
            batched(lambda sl: fe.stft(placed[sl]), len(placed), batch=chunk)
        ).contiguous()

    def source_logits(
        self,
        placed: Tensor,
        occupied: Tensor | None = None,
        spec: Tensor | None = None,
        fast: bool = True,
        return_extras: bool = False,
        dropout_mask: Tensor | None = None,
    ):
        """Backbone logits ``(batch, n_source)`` (and extras: attention, embedding, logmel)."""
        feats = self.logmel(placed, occupied, spec, fast, dropout_mask)
        out = self.backbone.forward_features(feats, return_extras=return_extras)
        if return_extras:
            logits, extras = out
            extras["logmel"] = feats
            return logits, extras
        return out

    def mapping_input(self, logits: Tensor, extras: dict | None = None) -> Tensor:
        """What the mapping reads: the logits, or the ``layer`` among the backbone's extras."""
        return logits if self.layer == "logits" else extras[self.layer]

    def forward(
        self,
        placed: Tensor,
        occupied: Tensor | None = None,
        spec: Tensor | None = None,
        fast: bool = True,
        dropout_mask: Tensor | None = None,
    ) -> Tensor:
        if self.layer == "logits":
            return self.mapping(
                self.source_logits(placed, occupied, spec, fast, dropout_mask=dropout_mask)
            )
        _, extras = self.source_logits(
            placed, occupied, spec, fast, return_extras=True, dropout_mask=dropout_mask
        )
        return self.mapping(extras[self.layer])

    def count_parameters(self) -> tuple[int, int]:
        """``(trainable, total)`` parameter counts."""
        params = list(self.parameters())
        return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)

    @contextmanager
    def disable_reprogramming(self):
        """Run the bare backbone (θ = 0) through the same code path."""
        old = self.reprogrammer.enabled
        self.reprogrammer.enabled = False
        try:
            yield self
        finally:
            self.reprogrammer.enabled = old
