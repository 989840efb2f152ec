"""Small, portable saved models: a folder with ``config.json`` and ``model.safetensors``.

As PEFT's ``save_pretrained`` keeps an adapter apart from its base model, a saved estimator
holds what the fit learned — θ, the mapping's state (and a fine-tuned backbone's weights) —
plus its configuration and a reference to the frozen backbone (name, weights, sha256), never
the backbone itself. Loading reads JSON and safetensors only: nothing in the folder can run
code. ``config.json`` is written last, so a folder with one is a complete save.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tsreprog._io import atomic_write, atomic_write_text
from tsreprog._params import json_value
from tsreprog.backbones._registry import split_name
from tsreprog.mappings import get_mapping
from tsreprog.placements import get_placement

__all__ = ["FORMAT", "load_estimator", "save_estimator"]

FORMAT = "tsreprog-saved-estimator-2"
#: Formats this version reads. Version 1 recorded a stage given by name as the bare name; a
#: ``linear`` mapping then always read the source logits.
_READS = ("tsreprog-saved-estimator-1", FORMAT)
_CONFIG, _TENSORS = "config.json", "model.safetensors"
#: fitted attributes kept in config.json (the tensors go to model.safetensors)
_FITTED = (
    "scale_mean_",
    "scale_std_",
    "backbone_seed_",
    "backbone_sha256_",
    "best_epoch_",
    "n_iter_",
    "n_trainable_params_",
    "history_",
    "device_",
    "fit_time_",
    "n_features_in_",
)


def _labels(classes: np.ndarray) -> dict:
    values = classes.tolist()
    try:
        json.dumps(values, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(
            f"the class labels {classes[:5].tolist()!r} cannot be written as JSON; save labels "
            "that are numbers, strings or booleans, or pickle the estimator instead"
        ) from None
    return {"dtype": classes.dtype.str, "values": values}


def _stage(config: dict, get):
    params = dict(config)
    return get(params.pop("name")).set_params(**params)


def _from_format_1(config: dict) -> dict:
    """A version-1 config in today's terms: its ``linear`` mappings read the source logits."""
    config = json.loads(json.dumps(config))

    def logits(stage):
        if stage == "linear":
            return {"name": "linear", "layer": "logits"}
        if isinstance(stage, dict) and stage.get("name") == "linear":
            return {"layer": "logits", **stage}
        return stage

    config["params"]["mapping"] = logits(config["params"]["mapping"])
    config["mapping_"] = logits(config["mapping_"])
    return config


def save_estimator(est, path: str | os.PathLike) -> Path:
    """Write a fitted estimator to the folder ``path`` (created if needed); return it."""
    from safetensors.numpy import save as st_save

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file; save() writes a folder: pass a folder path")
    if "estimators_" in est.__dict__:
        return _save_members(est, path)
    tensors = {"theta": np.ascontiguousarray(est.theta_)}
    tensors |= {f"mapping.{k}": np.ascontiguousarray(v) for k, v in est.mapping_state_.items()}
    tuned = getattr(est, "finetuned_backbone_", None) or {}
    tensors |= {f"backbone.{k}": np.ascontiguousarray(v) for k, v in tuned.items()}
    arch, tag = split_name(est.backbone)
    params = est.get_params(deep=False)
    config = {
        "format": FORMAT,
        "class": type(est).__name__,
        "params": json.loads(json.dumps(params, default=json_value)),
        "classes": _labels(np.asarray(est.classes_)),
        "placement_": json_value(est.placement_),
        "mapping_": json_value(est.mapping_),
        "backbone": {
            "name": arch,
            "tag": tag,
            "weights": str(est.weights) if est.weights is not None else None,
            "sha256": est.backbone_sha256_,
            "finetuned": bool(tuned),
        },
        "fitted": {k: getattr(est, k) for k in _FITTED if hasattr(est, k)},
    }
    text = json.dumps(config, indent=1, sort_keys=True, default=json_value) + "\n"
    path.mkdir(parents=True, exist_ok=True)
    blob = st_save(tensors, metadata={"format": FORMAT})
    atomic_write(path / _TENSORS, lambda f: f.write(blob))
    atomic_write_text(path / _CONFIG, text)
    return path


def _save_members(est, path: Path) -> Path:
    """An ensemble: one sub-folder per member (each a saved single reprogramming) and a
    ``config.json`` that lists them; written last, so a folder without it holds no ensemble."""
    names = [f"member-{k:03d}" for k in range(len(est.estimators_))]
    for name, member in zip(names, est.estimators_):
        save_estimator(member, path / name)
    config = {
        "format": FORMAT,
        "class": type(est).__name__,
        "params": json.loads(json.dumps(est.get_params(deep=False), default=json_value)),
        "classes": _labels(np.asarray(est.classes_)),
        "members": names,
        "fitted": {k: getattr(est, k) for k in ("fit_time_", "n_features_in_") if hasattr(est, k)},
    }
    atomic_write_text(path / _CONFIG, json.dumps(config, indent=1, sort_keys=True) + "\n")
    return path


def _params(config: dict) -> dict:
    """The constructor parameters of a config, stages (also a tuple of placements) rebuilt."""
    params = dict(config["params"])
    for stage, get in (("placement", get_placement), ("mapping", get_mapping)):
        value = params[stage]
        if isinstance(value, list):
            params[stage] = tuple(_stage(v, get) if isinstance(v, dict) else v for v in value)
        elif isinstance(value, dict):
            params[stage] = _stage(value, get)
    return params


def _load_members(cls, path: Path, config: dict):
    members = [load_estimator(cls, path / name) for name in config["members"]]
    from tsreprog.base import members_state  # base imports this module

    est = cls(**_params(config))
    est.__dict__.update(members_state(members))
    for key, value in config["fitted"].items():
        setattr(est, key, value)
    return est


def load_estimator(cls, path: str | os.PathLike):
    """An estimator of class ``cls`` from a folder written by :func:`save_estimator`.

    The backbone is rebuilt from its name and weights and must have the recorded sha256.
    """
    from safetensors.numpy import load as st_load

    path = Path(path)
    if (path / _CONFIG).is_file() and "members" in json.loads((path / _CONFIG).read_text()):
        config = json.loads((path / _CONFIG).read_text())
        if config.get("format") != FORMAT or config.get("class") != cls.__name__:
            raise ValueError(
                f"{path / _CONFIG} is a {config.get('class')!r} ensemble saved as "
                f"{config.get('format')!r}; this tsreprog loads {cls.__name__} saved as {FORMAT!r}"
            )
        return _load_members(cls, path, config)
    if not (path / _CONFIG).is_file() or not (path / _TENSORS).is_file():
        raise FileNotFoundError(
            f"{path} holds no saved estimator (it needs {_CONFIG} and {_TENSORS}, which "
            "ReprogramClassifier.save writes)"
        )
    config = json.loads((path / _CONFIG).read_text())
    if config.get("format") not in _READS or config.get("class") != cls.__name__:
        raise ValueError(
            f"{path / _CONFIG} is a {config.get('class')!r} saved as {config.get('format')!r}; "
            f"this tsreprog loads {cls.__name__} saved as one of {', '.join(_READS)}"
        )
    if config["format"] == "tsreprog-saved-estimator-1":
        config = _from_format_1(config)
    tensors = st_load((path / _TENSORS).read_bytes())
    est = cls(**_params(config))
    labels = config["classes"]
    dtype = np.dtype(labels["dtype"])
    est.classes_ = np.asarray(labels["values"], dtype=object if dtype.kind == "O" else dtype)
    est.placement_ = _stage(config["placement_"], get_placement)
    est.mapping_ = _stage(config["mapping_"], get_mapping)
    for key, value in config["fitted"].items():
        setattr(est, key, value)
    est.theta_ = tensors["theta"]
    est.mapping_state_ = {k[8:]: v for k, v in tensors.items() if k.startswith("mapping.")}
    tuned = {k[9:]: v for k, v in tensors.items() if k.startswith("backbone.")}
    est.finetuned_backbone_ = tuned or None
    model = est.model_  # rebuilds the model and checks the backbone's sha256
    desc = est.mapping_.describe(model.mapping)
    est.mapping_matrix_ = desc["matrix"] if desc["kind"] == "assignment" else None
    return est
