"""Backbone registry: names, their configurations and their factories.

A name may carry a weights tag, as timm's ``resnet50.a1_in1k``: ``"attrnn.synth"`` is the
``attrnn`` architecture with its ``synth`` weights; the bare name uses the default tag.
Building is :mod:`tsreprog.backbones._factory`, weight files :mod:`tsreprog.backbones._weights`.
"""

from __future__ import annotations

import fnmatch
import importlib
import warnings
from collections.abc import Callable

from tsreprog.backbones._base import AcousticModel, BackboneCfg

__all__ = ["entrypoint", "get_backbone_cfg", "list_backbones", "register_backbone", "split_name"]

_ENTRYPOINTS: dict[str, Callable[..., AcousticModel]] = {}
_CFGS: dict[str, BackboneCfg] = {}
#: Names registered by a module that is imported on their first use, not listed before.
_ON_DEMAND = {"tiny-test": "tsreprog.testing"}


def register_backbone(cfg: BackboneCfg) -> Callable:
    """Decorator: register a factory that builds an (untrained) backbone from keyword
    arguments (none needed for the registered configuration)."""

    def deco(fn: Callable[..., AcousticModel]) -> Callable[..., AcousticModel]:
        if cfg.name in _ENTRYPOINTS:
            warnings.warn(
                f"backbone {cfg.name!r} registered twice; the later one wins", stacklevel=2
            )
        _ENTRYPOINTS[cfg.name] = fn
        _CFGS[cfg.name] = cfg
        return fn

    return deco


def split_name(name: str) -> tuple[str, str | None]:
    """``"attrnn.synth" -> ("attrnn", "synth")``; ``"attrnn" -> ("attrnn", None)``."""
    arch, _, tag = name.partition(".")
    return arch, tag or None


def list_backbones(pattern: str = "*", pretrained: bool = False) -> list[str]:
    """Registered architecture names matching a shell-style ``pattern``.

    ``pretrained=True`` lists ``name.tag`` for every weights file that is present (shipped
    with tsreprog, or by an installed package that the backbone reads its weights from).
    """
    from tsreprog.backbones._weights import weights_present

    names = sorted(n for n in _ENTRYPOINTS if fnmatch.fnmatch(n, pattern))
    if not pretrained:
        return names
    return [
        f"{n}.{tag}"
        for n in names
        for tag, file in _CFGS[n].weights.items()
        if weights_present(file)
    ]


def get_backbone_cfg(name: str) -> BackboneCfg:
    """The :class:`BackboneCfg` of a registered backbone, ``name`` with or without its tag
    (raises ValueError on unknown names or tags)."""
    arch, tag = split_name(name)
    if arch not in _CFGS and arch in _ON_DEMAND:
        importlib.import_module(_ON_DEMAND[arch])
    if arch not in _CFGS:
        raise ValueError(f"unknown backbone {arch!r}; available: {', '.join(list_backbones())}")
    cfg = _CFGS[arch]
    if tag is not None and tag not in cfg.weights:
        known = ", ".join(f"{arch}.{t}" for t in cfg.weights) or "none"
        raise ValueError(f"backbone {arch!r} has no weights tagged {tag!r}; shipped: {known}")
    return cfg


def entrypoint(name: str) -> Callable[..., AcousticModel]:
    """The registered factory of ``name``'s architecture."""
    return _ENTRYPOINTS[get_backbone_cfg(name).name]
