"""Backbone description (:class:`BackboneCfg`) and the frozen acoustic model wrapper."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from tsreprog.frontend import LogMelFrontend

__all__ = ["AcousticModel", "BackboneCfg", "state_dict_sha256"]


@dataclass(frozen=True)
class BackboneCfg:
    """What a backbone is and where its weights come from.

    Attributes
    ----------
    name : str
        Registry name.
    weights : dict of str to str
        Shipped weights by tag: file names inside ``tsreprog.pretrained`` (``pretrained/`` in
        the repository); the first tag is the default. Empty: no shipped weights, and
        ``weights="default"`` is a fixed-seed random initialisation.
    sample_rate : int, Hz
    input_samples : int
        Length of the input window in samples.
    num_classes : int
        Number of source classes of the head.
    label_names : tuple of str
    frontend : dict
        Keyword arguments of :class:`~tsreprog.frontend.LogMelFrontend`.
    layers : dict of str to int
        The network's other outputs that a mapping may read instead of the source logits
        (``Linear(layer=...)``), by name, with their widths; the network returns them among
        its extras (``network(logmel, return_extras=True)``).
    readout : str
        The output that ``Linear(layer="auto")``, the default mapping, reads: ``"logits"`` or
        one of ``layers``.
    license, origin, notes : str
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

    def __post_init__(self) -> None:
        if len(self.label_names) != self.num_classes:
            raise ValueError(
                f"backbone {self.name!r}: {len(self.label_names)} label names for "
                f"{self.num_classes} classes"
            )
        self.output_width(self.readout)

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
    frontend : LogMelFrontend
    network : nn.Module
        Takes ``logmel (batch, n_mels, frames)``; ``network(logmel, return_extras=True)``
        returns ``(logits, {"attention": (batch, frames), "embedding": (batch, d)})``.
    cfg : BackboneCfg
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
        """Run the network on log-mel features ``(batch, n_mels, frames)``."""
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
