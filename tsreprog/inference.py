"""Batched inference without gradient: the one helper behind predict, inspection and plots.

On CPU with several threads, contiguous shares of the rows run in worker threads with one
intra-op thread each (:func:`tsreprog.training.worker_pool`): for the AttRNN's small ops two
workers that each take half the rows keep both cores busy, while two intra-op threads on one
op mostly wait for each other. The caller's own thread setting is never changed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tsreprog.training import worker_pool

__all__ = [
    "PREDICT_BATCH",
    "THREAD_CHUNK",
    "assignment_scores",
    "batched",
    "default_threads",
    "inspect",
    "log_proba",
    "map_rows",
    "on_one_thread",
    "rows",
    "source_proba",
]

#: Rows per forward pass on one thread (or on a GPU).
PREDICT_BATCH = 256
#: Rows per worker-thread task on CPU: small tasks keep the STFT and LSTM buffers in cache
#: (2 cores: 790 series/s with tasks of 16, 360 with tasks of 128).
THREAD_CHUNK = 16


def rows(occupied: torch.Tensor, idx) -> torch.Tensor:
    """``occupied[idx]``, or ``occupied`` itself when it is one row shared by every series."""
    return occupied if occupied.shape[0] == 1 else occupied[idx]


def batched(
    fn: Callable[[slice], object],
    n: int,
    *,
    threads: int = 1,
    batch: int = PREDICT_BATCH,
    chunk: int = THREAD_CHUNK,
) -> list:
    """``[fn(slice) for consecutive slices of range(n)]`` in inference mode, in order.

    With ``threads > 1`` the slices are ``chunk`` rows long and run on that many worker
    threads (one intra-op thread each); otherwise they are ``batch`` rows long and run here.
    """
    step = chunk if threads > 1 else batch
    slices = [slice(s, s + step) for s in range(0, n, step)]

    def run(sl):
        with torch.inference_mode():
            return fn(sl)

    if threads <= 1 or len(slices) <= 1:
        return [run(sl) for sl in slices]
    with worker_pool(threads) as pool:
        return list(pool.map(run, slices))


def default_threads(device: torch.device, threads: int | None = None) -> int:
    """Worker threads for inference on ``device``: ``threads`` (default: torch's thread
    count) on CPU, 1 on an accelerator."""
    if device.type != "cpu":
        return 1
    return torch.get_num_threads() if threads is None else max(1, int(threads))


def _padded(x: torch.Tensor, size: int) -> torch.Tensor:
    """``x`` with its last row repeated up to ``size`` rows."""
    if len(x) >= size:
        return x
    return torch.cat([x, x[-1:].expand(size - len(x), *x.shape[1:])])


def _head(out, n: int):
    """The first ``n`` rows of ``fn``'s output: a tensor, or a dict or tuple of them."""
    if isinstance(out, dict):
        return {k: _head(v, n) for k, v in out.items()}
    if isinstance(out, tuple):
        return tuple(_head(v, n) for v in out)
    return out[:n]


def map_rows(fn, placed, occupied, device, threads: int | None = None) -> list:
    """``fn(placed_batch, occupied_batch)`` over the rows of placed series, batch by batch on
    ``device`` (see :func:`batched`); ``threads`` defaults to :func:`default_threads`.

    Every call gets the same number of rows (the last, shorter batch is padded with copies of
    its last row, and their outputs dropped): BLAS picks its kernels by the number of rows, so
    a series' result would otherwise depend on how many series it is predicted with, by float32
    rounding (scikit-learn's ``check_methods_sample_order_invariance``).
    """
    device = torch.device(device)
    threads = default_threads(device, threads)
    step = min(len(placed), THREAD_CHUNK if threads > 1 else PREDICT_BATCH)

    def run(sl):
        p, o = placed[sl], rows(occupied, sl)
        n = len(p)
        if n < step:
            p = _padded(p, step)
            o = o if occupied.shape[0] == 1 else _padded(o, step)
        return _head(fn(p.to(device), o.to(device)), n)

    return batched(run, len(placed), threads=threads)


def log_proba(
    model, placed: torch.Tensor, occupied: torch.Tensor, device, threads: int | None = None
) -> torch.Tensor:
    """Target log-probabilities ``(n, n_target)`` of a fitted ``ReprogrammedModel`` on CPU.

    ``placed (n, window)``, ``occupied (n or 1, window)``; the rows go to ``device`` batch by
    batch. ``threads`` defaults to :func:`default_threads`.
    """
    return torch.cat(map_rows(lambda p, o: model(p, o).cpu(), placed, occupied, device, threads))


def on_one_thread(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` on a worker thread with one intra-op thread.

    For small single-series work (a saliency map, one spectrogram) two intra-op threads mostly
    wait on each other (10.7 s vs 0.08 s for a saliency map measured on a busy 2-core
    machine); running it on a fresh worker leaves the caller's thread setting alone.
    """
    with worker_pool(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def source_proba(model, placed, occupied, device, threads: int | None = None) -> torch.Tensor:
    """The backbone's source-class probabilities ``(n, n_source)`` for placed series."""
    parts = map_rows(
        lambda p, o: torch.softmax(model.source_logits(p, o), -1).cpu(),
        placed,
        occupied,
        device,
        threads,
    )
    return torch.cat(parts)


def assignment_scores(kind: str, model, placed, occupied, y, n_classes: int, device) -> np.ndarray:
    """Scores ``(n_source, n_classes)`` behind the data-driven many-to-one assignments.

    ``"frequency"``: each class's mean source probability; ``"similarity"``: the cosine of
    each source class's embedding (``backbone.source_class_embeddings``) with each class's
    mean embedding of the reprogrammed series (Yen et al. 2023); ``"top1"``: how many of a
    class's series have each source as their top prediction; ``"topK"`` (an integer K > 1):
    each class's summed probabilities of the sources among a series' K most probable ones.
    ``model`` may have no mapping.
    """
    device = torch.device(device)
    model.eval()
    if kind == "frequency" or kind.startswith("top"):
        probs = source_proba(model, placed, occupied, device).numpy().astype(np.float64)
        if kind.startswith("top"):
            k = int(kind[3:])
            if k == 1:  # a count of top predictions (ties go to the first source)
                weights = np.zeros_like(probs)
                weights[np.arange(len(probs)), probs.argmax(1)] = 1.0
            else:
                top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
                weights = np.zeros_like(probs)
                np.put_along_axis(weights, top, np.take_along_axis(probs, top, 1), 1)
            return np.stack([weights[y == c].sum(0) for c in range(n_classes)], axis=1)
        return np.stack([probs[y == c].mean(0) for c in range(n_classes)], axis=1)
    parts = map_rows(
        lambda p, o: model.source_logits(p, o, return_extras=True)[1]["embedding"].double().cpu(),
        placed,
        occupied,
        device,
    )
    embs = torch.cat(parts).numpy()
    target = np.stack([embs[y == c].mean(0) for c in range(n_classes)])
    source, _ = model.backbone.source_class_embeddings()

    def unit(a):
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)

    return unit(source) @ unit(target).T


def inspect(model, placed, occupied, device) -> dict[str, np.ndarray]:
    """Every intermediate of a fitted ``ReprogrammedModel`` for placed series, float64 on CPU.

    Keys (``n`` series): ``placed``, ``occupied``, ``perturbation``, ``input`` (n, window);
    ``logmel`` (n, n_mels, frames); the backbone's extras such as ``attention`` (n, frames)
    and ``embedding`` (n, d); ``source_proba`` (n, n_source); ``proba`` (n, n_classes).
    """
    device = torch.device(device)

    def run(p, o):
        logits, extras = model.source_logits(p, o, return_extras=True)
        out = {k: v.double().cpu() for k, v in extras.items()}
        out["source_proba"] = torch.softmax(logits.double(), -1).cpu()
        out["proba"] = model.mapping(model.mapping_input(logits, extras)).double().exp().cpu()
        return out

    parts = map_rows(run, placed, occupied, device)
    out = {k: torch.cat([p[k] for p in parts]).numpy() for k in parts[0]}
    occ_full = occupied.expand(len(placed), -1)
    with torch.inference_mode():
        pert = model.reprogrammer.perturbation(occ_full.to(device)).expand(len(placed), -1)
    out["placed"] = placed.double().numpy()
    out["occupied"] = occ_full.numpy().copy()
    out["perturbation"] = pert.detach().double().cpu().numpy()
    out["input"] = out["placed"] + out["perturbation"]
    return out
