"""The mapping contract and its registry.

A mapping turns one output of the backbone, by default its source logits
``(batch, n_source)``, into target log-probabilities ``(batch, n_target)``; which output it
reads is :meth:`Mapping.reads` (the backbone's cfg lists its outputs and their widths).
Each entry is one file in this package: a :class:`Mapping` subclass (the configuration,
scikit-learn style) decorated with :func:`register_mapping`, which builds its ``nn.Module``
once per fit, restores it from its saved state, and describes it for plotting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from tsreprog._entries import ClassRegistry

__all__ = ["Mapping", "get_mapping", "list_mappings", "register_mapping"]

#: ``scores(kind) -> (n_source, n_target)`` scores of the training data for data-driven
#: mappings; ``kind`` is ``"frequency"`` (each class's mean source probabilities),
#: ``"similarity"`` (cosine of class-mean and source-class embeddings), ``"top1"`` (how often
#: each source class is the top prediction of a class's series) or ``"topK"`` for an integer K
#: (each class's summed probabilities of the sources in a series' K most probable ones).
Scores = Callable[[str], np.ndarray]


class Mapping(BaseEstimator):
    """Base class of the label mappings.

    A subclass stores its parameters unchanged in ``__init__`` (so ``get_params``, ``clone``
    and ``mapping__param`` work), declares ``_parameter_constraints``, and sets:

    ``name``
        The registry name (``mapping="name"``).
    ``trains``
        Whether the module has trainable parameters (then a fit with ``reprogram=False`` and
        ``finetune=False`` still has something to learn).
    ``remaps``
        Whether the fit calls :meth:`remap` after every epoch, with scores of the training
        series under the current θ (mappings that follow the perturbation as it learns).
    ``needs_source_classes``
        Whether it reads the backbone's output as source-class logits (a softmax over named
        classes); such a mapping refuses a backbone whose output is an embedding.
    """

    name: ClassVar[str] = ""
    trains: ClassVar[bool] = False
    remaps: ClassVar[bool] = False
    needs_source_classes: ClassVar[bool] = False
    _parameter_constraints: ClassVar[dict] = {}

    def check_backbone(self, cfg) -> None:
        """Refuse a backbone (its :class:`~tsreprog.backbones.BackboneCfg`) whose output this
        mapping cannot use: an embedding, for a mapping that needs source classes."""
        if self.needs_source_classes and cfg.output != "logits":
            raise ValueError(
                f"mapping={self.name!r} needs source classes, but backbone {cfg.name!r} outputs "
                f"a {cfg.num_classes}-d {cfg.output} without classes; use mapping='linear', "
                "or a backbone with source classes"
            )

    def reads(self, cfg) -> str:
        """The output of the backbone described by ``cfg`` (a ``BackboneCfg``) that this
        mapping reads: ``"logits"`` (its source classes) or the name of one of its
        ``layers``."""
        return "logits"

    def check(self, n_source: int, n_target: int) -> None:
        """Validate the parameters against the width of the output read (``n_source``) and
        the task's class count."""
        self._validate_params()

    def build(
        self,
        n_source: int,
        n_target: int,
        *,
        rng: np.random.RandomState,
        generator: torch.Generator,
        scores: Scores,
    ) -> nn.Module:
        """The module of one fit: ``(batch, n_source) -> (batch, n_target)`` log-probabilities.

        ``rng`` draws numpy randomness (random assignments), ``generator`` torch's
        (initial weights); ``scores`` is called only by data-driven entries.
        """
        raise NotImplementedError

    def remap(self, module: nn.Module, scores: Scores) -> None:
        """Update ``module`` in place from ``scores`` of the current model (``remaps`` only).

        The fit calls it after every epoch, so the next epoch trains with the new mapping; its
        buffers are part of the state kept for the best epoch.
        """
        raise NotImplementedError

    def from_state(self, n_source: int, n_target: int, state: dict) -> nn.Module:
        """Rebuild a fitted module from ``module.state_dict()`` (as numpy arrays)."""
        raise NotImplementedError

    def describe(self, module: nn.Module) -> dict:
        """What a plot draws: ``{"kind": "assignment", "matrix": bool (n_source, n_target)}``
        or ``{"kind": "weights", "matrix": float (n_target, n_source)}``, plus ``"title"``."""
        raise NotImplementedError


_REGISTRY = ClassRegistry("mapping", Mapping)


def register_mapping(cls: type[Mapping]) -> type[Mapping]:
    """Class decorator: make ``cls`` available as ``mapping=cls.name``."""
    return _REGISTRY.register(cls)


def list_mappings() -> list[str]:
    """Names of the registered mappings."""
    return _REGISTRY.names()


def get_mapping(spec: str | Mapping) -> Mapping:
    """A mapping from its registry name (default parameters) or a configured instance."""
    return _REGISTRY.get(spec)


def tensors(state: dict) -> dict:
    """numpy state -> torch state (``load_state_dict`` input)."""
    return {k: torch.as_tensor(np.asarray(v)) for k, v in state.items()}
