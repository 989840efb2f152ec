"""Backbones by name: ``create_backbone("attrnn")``, ``list_backbones()``."""

from tsreprog.backbones import attrnn as _attrnn  # noqa: F401  (fills the registry)
from tsreprog.backbones._base import AcousticModel, BackboneCfg, state_dict_sha256
from tsreprog.backbones._registry import (
    create_backbone,
    get_backbone_cfg,
    list_backbones,
    register_backbone,
    save_backbone_weights,
)

__all__ = [
    "AcousticModel",
    "BackboneCfg",
    "create_backbone",
    "get_backbone_cfg",
    "list_backbones",
    "register_backbone",
    "save_backbone_weights",
    "state_dict_sha256",
]
