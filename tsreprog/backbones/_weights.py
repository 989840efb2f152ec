"""Backbone weight files: the shipped ones, files written by ``tsreprog pretrain``, checks.

Weights are resolved in one place (:func:`resolve_weights`): ``"default"`` (or a name's tag) is
a file shipped inside the package (read through :mod:`importlib.resources`, so it works from a
non-editable install; its sha256 is checked against the JSON beside it), ``None`` is an
explicit random initialisation, and a path loads a state dict. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path

import torch

from tsreprog._io import NotPlainDataError, atomic_write, load_plain_torch
from tsreprog.backbones._base import AcousticModel, BackboneCfg

__all__ = [
    "FORMAT_VERSION",
    "file_sha256",
    "load_state",
    "package_file",
    "read_weights",
    "resolve_weights",
    "save_backbone_weights",
]

FORMAT_VERSION = 1


def package_file(file: str) -> Path:
    """A file shipped in ``tsreprog.pretrained``."""
    return Path(str(resources.files("tsreprog.pretrained").joinpath(file)))


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_weights(path: Path, expected_sha256: str | None, arch: str) -> tuple[dict, dict]:
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


def load_state(model: AcousticModel, state: dict, source: str) -> None:
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


def resolve_weights(cfg: BackboneCfg, weights, tag: str | None = None):
    """Decide where weights come from: ``(path or None for random init, expected sha256)``.

    ``"default"`` means the shipped file of ``tag`` (the configuration's first tag when
    ``None``); a configuration without shipped weights then initialises at random.
    """
    if weights is None:
        return None, None
    if isinstance(weights, str) and weights == "default":
        if not cfg.weights:
            return None, None
        tag = next(iter(cfg.weights)) if tag is None else tag
        path = package_file(cfg.weights[tag])
        meta = path.with_suffix(".json")
        if not path.is_file():
            raise FileNotFoundError(
                f"the shipped weights of backbone {cfg.name}.{tag} ({path}) are missing. Train "
                "them with `tsreprog pretrain --data DIR --out FILE` and pass weights=FILE, or "
                "use weights=None for a random initialisation."
            )
        expected = json.loads(meta.read_text())["sha256"] if meta.is_file() else None
        return path, expected
    if tag is not None:
        raise ValueError(
            f"backbone name {cfg.name}.{tag} names shipped weights, but weights={weights!r} "
            f"was given too; pass backbone={cfg.name!r} with that file, or weights='default'"
        )
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
