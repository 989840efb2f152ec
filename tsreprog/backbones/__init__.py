"""Backbones by name: ``create_backbone("attrnn")``, ``list_backbones()``.

Registered: ``attrnn`` (shipped weights) and the zoo of models trained on real audio,
``crepe``, ``resemblyzer`` and ``silero-vad``, whose weights are read from the packages of
``pip install 'tsreprog[zoo]'``.

Every module in this package that does not start with ``_`` is an entry (it registers its
backbones with :func:`register_backbone`) and is imported here, so adding a backbone is adding
one file.
"""

from tsreprog._entries import import_entries
from tsreprog.backbones._base import (
    AcousticModel,
    BackboneCfg,
    PackageWeights,
    state_dict_sha256,
)
from tsreprog.backbones._factory import create_backbone
from tsreprog.backbones._registry import get_backbone_cfg, list_backbones, register_backbone
from tsreprog.backbones._weights import save_backbone_weights

import_entries(__name__, __path__)

__all__ = [
    "AcousticModel",
    "BackboneCfg",
    "PackageWeights",
    "create_backbone",
    "get_backbone_cfg",
    "list_backbones",
    "register_backbone",
    "save_backbone_weights",
    "state_dict_sha256",
]
