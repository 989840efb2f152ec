"""Pretrain a backbone on a speech-commands folder (``tsreprog pretrain``).

Works on any folder in the Google Speech Commands layout: the corpus that ``tsreprog
synth-commands`` makes here, or the real GSC v2 where a user has it. Training follows the
reference recipe (Adam 1e-3, step decay x0.4 every 15 epochs with a 4e-5 floor, selection on the
validation split), reuses :func:`tsreprog.training.train_loop`, checkpoints every epoch and
resumes after an interruption.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tsreprog._io import NotPlainDataError, atomic_write, check_output_path, load_plain_torch
from tsreprog._params import UsageError, params_diff
from tsreprog.backbones import (
    AcousticModel,
    create_backbone,
    get_backbone_cfg,
    save_backbone_weights,
)
from tsreprog.inference import batched
from tsreprog.training import TrainResult, train_loop

__all__ = ["load_corpus", "pretrain", "source_class_embeddings"]


def load_corpus(data: str | os.PathLike, label_names, progress: bool = False) -> dict:
    """Load the train / validation / testing splits of a speech-commands folder.

    Returns ``{split: (X float32 (n, samples), y int64 (n,))}``; class indices follow
    ``label_names``. Folders that are not in ``label_names`` raise a ValueError naming them.
    """
    from tsreprog.data.speech import load_speech_commands

    root = Path(data)
    folders = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    words = [f for f in folders if not f.startswith("_") or f == "_silence_"]
    unknown = sorted(set(words) - set(label_names))
    if unknown:
        raise ValueError(
            f"{root} has class folders {unknown} that the backbone's head does not know; its "
            f"classes are {list(label_names)}"
        )
    index = {name: i for i, name in enumerate(label_names)}
    out = {}
    for split in ("train", "validation", "testing"):
        X, y = load_speech_commands(root, split=split, classes=words, progress=progress)
        out[split] = (X.astype(np.float32), np.array([index[v] for v in y], dtype=np.int64))
    return out


def _batched(fn, x) -> torch.Tensor:
    """``fn`` applied to consecutive slices of ``x`` in inference mode, concatenated."""
    return torch.cat(batched(lambda sl: fn(x[sl]), len(x)))


def _features(model: AcousticModel, X: np.ndarray) -> torch.Tensor:
    return _batched(model.frontend, torch.from_numpy(X))


@torch.no_grad()
def source_class_embeddings(model: AcousticModel, feats: torch.Tensor, y: np.ndarray) -> np.ndarray:
    """Mean penultimate embedding of each source class, shape (num_classes, d); NaN if absent."""
    model.eval()
    embs = _batched(
        lambda f: model.forward_features(f, return_extras=True)[1]["embedding"], feats
    ).numpy()
    out = np.full((model.cfg.num_classes, embs.shape[1]), np.nan)
    for c in np.unique(y):
        out[c] = embs[y == c].mean(0)
    return out


def _holdout_accuracy(model: AcousticModel, data: Path, label_names) -> tuple:
    """``(accuracy, n_clips)`` on ``data/_holdout_`` (a held-out engine), ``(None, 0)`` if none."""
    folder = data / "_holdout_"
    if not folder.is_dir():
        return None, 0
    from tsreprog.data.speech import load_speech_commands

    words = sorted(d.name for d in folder.iterdir() if d.is_dir() and d.name in label_names)
    X, labels = load_speech_commands(folder, split="testing", classes=words)
    index = {name: i for i, name in enumerate(label_names)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    X = X.astype(np.float32)
    if len(y) == 0:
        return None, 0
    pred = _batched(lambda f: model.forward_features(f).argmax(1), _features(model, X)).numpy()
    return float((pred == y).mean()), int(len(y))


def _shift(wave: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Random time shift of each clip by up to ``max_shift`` samples, zero filled."""
    if max_shift <= 0:
        return wave
    out = torch.zeros_like(wave)
    shifts = torch.randint(-max_shift, max_shift + 1, (len(wave),), generator=gen).tolist()
    n = wave.shape[1]
    for i, s in enumerate(shifts):
        if s >= 0:
            out[i, s:] = wave[i, : n - s]
        else:
            out[i, :s] = wave[i, -s:]
    return out


def _spec_augment(
    feats: torch.Tensor, gen: torch.Generator, max_freq: int = 10, max_time: int = 12
) -> torch.Tensor:
    """SpecAugment-style masking (Park et al. 2019): per clip, one band of up to ``max_freq``
    mel bins and one span of up to ``max_time`` frames set to the clip's mean.

    ``feats (n, n_mels, frames)``. Written here rather than with torchaudio's masking
    transforms because those draw from torch's global RNG; this draws from ``gen``, so
    pretraining stays reproducible and resumes bit-identically.
    """
    n, n_mels, frames = feats.shape
    fill = feats.mean(dim=(1, 2))
    fw = torch.randint(0, max_freq + 1, (n,), generator=gen)
    tw = torch.randint(0, max_time + 1, (n,), generator=gen)
    f0 = (torch.rand(n, generator=gen) * (n_mels - fw + 1)).long()
    t0 = (torch.rand(n, generator=gen) * (frames - tw + 1)).long()
    f = torch.arange(n_mels)[None, :]
    t = torch.arange(frames)[None, :]
    in_band = (f >= f0[:, None]) & (f < (f0 + fw)[:, None])  # (n, n_mels)
    in_span = (t >= t0[:, None]) & (t < (t0 + tw)[:, None])  # (n, frames)
    masked = in_band[:, :, None] | in_span[:, None, :]
    return torch.where(masked, fill[:, None, None].to(feats.dtype), feats)


_CKPT_FORMAT = "tsreprog-pretrain-checkpoint-1"
_CKPT_KEYS = (
    "model",
    "optimizer",
    "scheduler",
    "generator",
    "aug_generator",
    "epoch",
    "result",
    "settings",
)


def _plain(obj):
    """``obj`` as tensors and plain containers only, so ``weights_only=True`` can read it back."""
    if isinstance(obj, torch.Tensor):
        return obj.detach()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"checkpoint value of type {type(obj).__name__} is not plain data")


def _read_checkpoint(path: Path) -> dict:
    """The checkpoint written by :func:`pretrain`, read with ``weights_only=True``."""
    refused = (
        f"{path} is not a tsreprog checkpoint or holds objects that are not plain data; delete "
        "it or pass --no-resume (resume=False)"
    )
    try:
        ck = load_plain_torch(path, refused)
    except (RuntimeError, EOFError) as e:  # not a torch zip file, truncated
        raise NotPlainDataError(f"{refused} ({type(e).__name__})") from None
    if not isinstance(ck, dict) or ck.get("format") != _CKPT_FORMAT:
        raise NotPlainDataError(refused)
    missing = [k for k in _CKPT_KEYS if k not in ck]
    if missing or not isinstance(ck["result"], dict):
        raise NotPlainDataError(f"{refused} (missing {missing or ['result']})")
    return ck


def _check_arguments(epochs, batch_size, lr, patience, max_shift) -> None:
    def whole(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if not whole(epochs) or epochs < 1:
        raise UsageError(f"--epochs (epochs=) must be a whole number >= 1, got {epochs!r}")
    if not whole(batch_size) or batch_size < 1:
        raise UsageError(
            f"--batch-size (batch_size=) must be a whole number >= 1, got {batch_size!r}"
        )
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (0 < lr < float("inf")):
        raise UsageError(f"--lr (lr=) must be a finite number > 0, got {lr!r}")
    if patience is not None and (not whole(patience) or patience < 0):
        raise UsageError(
            f"--patience (patience=) must be None or a whole number >= 0, got {patience!r}"
        )
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, float)) or max_shift < 0:
        raise UsageError(f"max_shift must be a number of seconds >= 0, got {max_shift!r}")


def pretrain(
    data: str | os.PathLike,
    out: str | os.PathLike,
    backbone: str = "attrnn",
    epochs: int = 40,
    batch_size: int = 64,
    lr: float = 1e-3,
    patience: int | None = 10,
    seed: int = 0,
    max_shift: float = 0.1,
    spec_augment: bool = False,
    resume: bool = True,
    verbose: bool = True,
) -> dict:
    """Train a backbone from scratch on a speech-commands folder and save its weights.

    Parameters
    ----------
    data : path
        Speech-commands folder (class folders + ``validation_list.txt``/``testing_list.txt``).
    out : path
        Weights file to write (a JSON sidecar with its sha256 and metadata goes beside it).
    backbone : str
    epochs, batch_size : int
    lr : float
        Initial Adam learning rate; x0.4 every 15 epochs, floor 4e-5 (reference recipe).
    patience : int or None
        Early stopping on validation loss.
    seed : int
    max_shift : float, seconds
        Random time shift of training clips (augmentation on top of the corpus').
    spec_augment : bool
        Also mask one random mel band and one random span of frames of every training clip
        (:func:`_spec_augment`). Off by default: the shipped ``attrnn.synth`` was trained
        without it, and its recipe must still reproduce it.
    resume : bool
        Continue from ``out + ".ckpt"`` when it exists (written after every epoch).
    verbose : bool

    Returns
    -------
    dict
        The metadata written beside the weights (accuracies, time, recipe).
    """
    _check_arguments(epochs, batch_size, lr, patience, max_shift)
    out = check_output_path(out, "--out (out=)")
    if not Path(data).is_dir():
        what = "is not a folder" if Path(data).exists() else "does not exist"
        raise UsageError(f"--data (data=) {data} {what}; give a speech-commands folder")
    t0 = time.perf_counter()
    ckpt_path = out.with_name(out.name + ".ckpt")
    cfg = get_backbone_cfg(backbone)
    corpus = load_corpus(data, cfg.label_names, progress=verbose)
    Xtr, ytr = corpus["train"]
    if len(Xtr) == 0 or len(corpus["validation"][0]) == 0:
        raise ValueError(f"{data} needs training and validation clips (validation_list.txt)")
    model = create_backbone(backbone, weights=None, seed=seed)
    model.requires_grad_(True)
    feats_va = _features(model, corpus["validation"][0])
    y_va = torch.from_numpy(corpus["validation"][1])
    Xtr_t, ytr_t = torch.from_numpy(Xtr), torch.from_numpy(ytr)

    opt = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    floor = 4e-5 / lr
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: max(0.4 ** (e // 15), floor))
    gen = torch.Generator().manual_seed(seed)
    aug_gen = torch.Generator().manual_seed(seed + 1)
    shift = int(max_shift * cfg.sample_rate)
    loss_fn = nn.CrossEntropyLoss()

    # what a checkpoint must share to be resumed (epochs may grow: more of the same run)
    settings = json.dumps(
        {
            "backbone": backbone,
            "data": str(data),
            "batch_size": batch_size,
            "lr": lr,
            "patience": patience,
            "seed": seed,
            "max_shift": max_shift,
        },
        sort_keys=True,
    )
    start_epoch, result, best_state = 0, None, None
    if resume and ckpt_path.is_file():
        ck = _read_checkpoint(ckpt_path)
        if ck["settings"] != settings:
            raise UsageError(
                f"{ckpt_path} was made with other settings "
                f"({params_diff(ck['settings'], settings)}); rerun with those, pass "
                "--no-resume (resume=False) to start afresh, or use another --out"
            )
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        gen.set_state(ck["generator"])
        aug_gen.set_state(ck["aug_generator"])
        start_epoch, best_state = ck["epoch"], ck["best_state"]
        result = TrainResult(**ck["result"])
        if verbose:
            print(f"resuming from {ckpt_path} after epoch {start_epoch}")

    def step_loss(idx):
        with torch.no_grad():
            feats = model.frontend(_shift(Xtr_t[idx], shift, aug_gen))
            if spec_augment:
                feats = _spec_augment(feats, aug_gen)
        return loss_fn(model.forward_features(feats), ytr_t[idx])

    def evaluate():
        logits = _batched(model.forward_features, feats_va)
        return loss_fn(logits, y_va).item(), (logits.argmax(1) == y_va).float().mean().item()

    def checkpoint(epoch: int, best: dict, res: TrainResult) -> None:
        payload = {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "generator": gen.get_state(),
            "aug_generator": aug_gen.get_state(),
            "epoch": epoch,
            "result": dataclasses.asdict(res),
            "best_state": best,
            "format": _CKPT_FORMAT,
            "settings": settings,
        }
        payload = _plain(payload)
        atomic_write(ckpt_path, lambda f: torch.save(payload, f))

    try:
        res = train_loop(
            model,
            step_loss,
            len(Xtr),
            opt,
            epochs=epochs,
            batch_size=batch_size,
            generator=gen,
            evaluate=evaluate,
            patience=patience,
            scheduler=sched,
            scheduler_per="epoch",
            verbose=verbose,
            desc="pretrain",
            on_epoch_end=checkpoint,
            start_epoch=start_epoch,
            result=result,
            best_state=best_state,
        )
    except KeyboardInterrupt:
        # the last finished epoch is in the checkpoint; nothing else is written
        if verbose and ckpt_path.is_file():
            print(f"interrupted: rerun the same command to resume from {ckpt_path}")
        raise
    model.eval()
    feats_te = _features(model, corpus["testing"][0])
    y_te = corpus["testing"][1]
    pred = _batched(lambda f: model.forward_features(f).argmax(1), feats_te).numpy()
    n_cls = cfg.num_classes
    confusion = np.zeros((n_cls, n_cls), dtype=int)
    np.add.at(confusion, (y_te, pred), 1)
    embeddings = source_class_embeddings(model, _features(model, Xtr), ytr)
    holdout = _holdout_accuracy(model, Path(data), cfg.label_names)
    manifest = Path(data) / "manifest.json"
    meta = {
        "classes": list(cfg.label_names),
        "frontend": dict(cfg.frontend, sample_rate=cfg.sample_rate),
        "data": str(data),
        "corpus_manifest": json.loads(manifest.read_text()) if manifest.is_file() else None,
        "seed": seed,
        "epochs_run": len(res.history["epoch"]),
        "best_epoch": res.best_epoch,
        "n_train": int(len(Xtr)),
        "n_validation": int(len(y_va)),
        "n_test": int(len(y_te)),
        "validation_accuracy": float(res.history["val_accuracy"][res.best_epoch - 1]),
        "test_accuracy": float((pred == y_te).mean()) if len(y_te) else None,
        "confusion_test": confusion.tolist(),
        # the clips of an engine the corpus held out (synth-commands --holdout-engine)
        "holdout_accuracy": holdout[0],
        "n_holdout": holdout[1],
        "class_embeddings": np.where(np.isnan(embeddings), None, embeddings).tolist(),
        "history": res.history,
        "train_seconds": time.perf_counter() - t0,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "command": {
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": lr,
            "patience": patience,
            "max_shift": max_shift,
            "spec_augment": spec_augment,
            "backbone": backbone,
        },
    }
    sha = save_backbone_weights(model, out, meta)
    meta["sha256"] = sha
    ckpt_path.unlink(missing_ok=True)
    if verbose:
        print(
            f"saved {out} (sha256 {sha[:12]}...): best epoch {res.best_epoch}, validation "
            f"accuracy {meta['validation_accuracy']:.4f}, test accuracy {meta['test_accuracy']}, "
            f"{meta['train_seconds']:.0f} s"
        )
    return meta
