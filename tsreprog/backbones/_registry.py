"""Backbone registry: ``create_backbone(name, weights=...)`` and ``list_backbones()``.

Weights are resolved in one place (:func:`resolve_weights`): ``"default"`` is the file shipped
inside the package (read through :mod:`importlib.resources`, so it works from a non-editable
install; its sha256 is checked against the JSON beside it), ``None`` is an explicit random
initialisation seeded by ``seed``, and a path loads a state dict. Nothing is downloaded.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import json
import os
import threading
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import torch

from tsreprog._io import NotPlainDataError, atomic_write, load_plain_torch
from tsreprog.backbones._base import AcousticModel, BackboneCfg

_GLOBAL_RNG_LOCK = threading.Lock()

__all__ = [
    "create_backbone",
    "get_backbone_cfg",
    "list_backbones",
    "register_backbone",
    "save_backbone_weights",
]

_ENTRYPOINTS: dict[str, Callable[[], AcousticModel]] = {}
_CFGS: dict[str, BackboneCfg] = {}
FORMAT_VERSION = 1


def register_backbone(cfg: BackboneCfg) -> Callable:
    """Decorator: register a zero-argument factory that builds an (untrained) backbone."""

    def deco(fn: Callable[[], AcousticModel]) -> Callable[[], AcousticModel]:
        if cfg.name in _ENTRYPOINTS:
            warnings.warn(
                f"backbone {cfg.name!r} registered twice; the later one wins", stacklevel=2
            )
        _ENTRYPOINTS[cfg.name] = fn
        _CFGS[cfg.name] = cfg
        return fn

    return deco


def list_backbones(pattern: str = "*", pretrained: bool = False) -> list[str]:
    """Registered backbone names matching a shell-style ``pattern``.

    ``pretrained=True`` keeps only those whose shipped weights file is present.
    """
    names = sorted(n for n in _ENTRYPOINTS if fnmatch.fnmatch(n, pattern))
    if pretrained:
        names = [n for n in names if _CFGS[n].file and _package_file(_CFGS[n].file).is_file()]
    return names


#: Names registered by a module that is imported on their first use, not listed before.
_ON_DEMAND = {"tiny-test": "tsreprog.testing"}


def get_backbone_cfg(name: str) -> BackboneCfg:
    """The :class:`BackboneCfg` of a registered backbone (raises ValueError on unknown names)."""
    if name not in _CFGS and name in _ON_DEMAND:
        importlib.import_module(_ON_DEMAND[name])
    if name not in _CFGS:
        raise ValueError(f"unknown backbone {name!r}; available: {', '.join(list_backbones())}")
    return _CFGS[name]


def _package_file(file: str) -> Path:
    return Path(str(resources.files("tsreprog.pretrained").joinpath(file)))


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_weights(path: Path, expected_sha256: str | None, arch: str) -> tuple[dict, dict]:
    """``(state_dict, meta)`` from a weights file (meta is empty for a plain state dict).

    A file written by :func:`save_backbone_weights` must have this ``FORMAT_VERSION`` and be
    for the backbone ``arch``.
    """
    if expected_sha256 is not None:
        got = file_sha256(path)
        if got != expected_sha256:
            raise ValueError(
                f"weights file {path} has sha256 {got}, expected {expected_sha256}: the file is "
                "corrupted, truncated or was replaced. Reinstall tsreprog or re-create the file "
                "with `tsreprog pretrain`."
            )
    refused = (
        f"weights file {path} holds non-tensor objects (or is not a torch file) and is refused "
        "for safety: loading it fully could run code; use weights saved as a state dict of "
        "tensors (`tsreprog pretrain` writes them)"
    )
    try:
        obj = load_plain_torch(path, refused)
    except NotPlainDataError:
        raise
    except Exception as e:  # torch raises several types for damaged files
        detail = f": {e}" if "weights_only" not in str(e) else ""
        raise ValueError(
            f"could not read weights file {path} ({type(e).__name__}{detail}); is it a "
            "truncated or corrupted torch file?"
        ) from None
    if isinstance(obj, dict) and "state_dict" in obj:
        version = obj.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(
                f"weights file {path} has format_version {version!r}, but this tsreprog reads "
                f"format {FORMAT_VERSION}; use the tsreprog version that wrote it, or re-create "
                "the file with `tsreprog pretrain`"
            )
        if obj.get("backbone", arch) != arch:
            raise ValueError(
                f"weights file {path} is for backbone {obj['backbone']!r}, not {arch!r}; pass "
                f"backbone={obj['backbone']!r}, or weights made for {arch!r}"
            )
        return obj["state_dict"], dict(obj.get("meta") or {})
    if isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, {}
    raise ValueError(f"{path} holds no state dict (expected a dict of tensors or a 'state_dict')")


def _load_state(model: AcousticModel, state: dict, source: str) -> None:
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    bad = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(state))
        if tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or bad:
        raise ValueError(
            f"weights from {source} do not fit backbone {model.cfg.name!r}: "
            f"missing keys {missing[:5]}{'...' if len(missing) > 5 else ''}, "
            f"unexpected keys {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}, "
            f"shape mismatches {bad[:5]}"
        )
    model.load_state_dict(state)


def resolve_weights(cfg: BackboneCfg, weights) -> tuple[Path | None, str | None]:
    """Decide where weights come from: ``(path or None for random init, expected sha256)``."""
    if weights is None:
        return None, None
    if isinstance(weights, str) and weights == "default":
        if cfg.file is None:
            return None, None
        path = _package_file(cfg.file)
        meta = path.with_suffix(".json")
        if not path.is_file():
            raise FileNotFoundError(
                f"the shipped weights of backbone {cfg.name!r} ({path}) are missing. Train them "
                "with `tsreprog pretrain --data DIR --out FILE` and pass weights=FILE, or use "
                "weights=None for a random initialisation."
            )
        expected = json.loads(meta.read_text())["sha256"] if meta.is_file() else None
        return path, expected
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    meta = path.with_suffix(".json")
    expected = None
    if meta.is_file():
        try:
            expected = json.loads(meta.read_text()).get("sha256")
        except (json.JSONDecodeError, AttributeError):
            expected = None
    return path, expected


def create_backbone(name: str = "attrnn", weights="default", seed: int = 0) -> AcousticModel:
    """Build a registered backbone with its weights.

    Parameters
    ----------
    name : str
        A name from :func:`list_backbones`.
    weights : "default", None or path
        ``"default"``: the weights shipped with tsreprog (checksum verified); ``None``: random
        initialisation from ``seed``; a path: a file written by :func:`save_backbone_weights`
        or a plain state dict.
    seed : int
        Seed of the random initialisation (weights that are loaded overwrite it).

    Returns
    -------
    AcousticModel
        In eval mode, gradients on (freezing is the caller's choice).
    """
    cfg = get_backbone_cfg(name)
    path, expected = resolve_weights(cfg, weights)
    # modules initialise from torch's global RNG; the lock keeps two threads' seeded
    # constructions from drawing from each other's state (tsreprog draws nothing else from it)
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _ENTRYPOINTS[name]()
    if path is not None:
        state, meta = _read_weights(path, expected, cfg.name)
        _load_state(model, state, str(path))
        model.weights_meta = {**meta, "sha256": expected or file_sha256(path), "file": str(path)}
    return model.eval()


def save_backbone_weights(model: AcousticModel, path: str | os.PathLike, meta: dict) -> str:
    """Write ``{"state_dict", "meta"}`` atomically to ``path`` and a JSON sidecar with its sha256.

    Returns the file's sha256.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {
        "format_version": FORMAT_VERSION,
        "backbone": model.cfg.name,
        "state_dict": state,
        "meta": json.loads(json.dumps(meta)),
    }
    atomic_write(path, lambda f: torch.save(payload, f))
    sha = file_sha256(path)
    sidecar = {"backbone": model.cfg.name, "file": path.name, "sha256": sha, **meta}
    text = json.dumps(sidecar, indent=2, sort_keys=True) + "\n"
    atomic_write(path.with_suffix(".json"), lambda f: f.write(text), mode="w")
    return sha
