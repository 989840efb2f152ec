"""THE training loop, shared by ``ReprogramClassifier.fit``, backbone pretraining and fine-tuning.

Why a small loop of our own rather than skorch: the step here is not "model(X) -> loss" on a
dataset — the fast path feeds precomputed spectra, the batch order must come from a local
``torch.Generator`` (never the global seed), the best epoch is restored from an in-memory copy
of the trainable tensors only, and the estimator's fitted state must be assigned only once the
loop has ended. skorch would wrap our estimator in a second scikit-learn estimator and bring its
own contract; the loop below is ~150 lines and is tested directly.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from torch import nn
from tqdm.auto import tqdm

__all__ = [
    "ThreadedGrad",
    "TrainResult",
    "adam_with_schedule",
    "holdout_split",
    "train_loop",
    "worker_pool",
]


@dataclass
class TrainResult:
    """What :func:`train_loop` returns.

    Attributes
    ----------
    history : dict of lists
        ``epoch``, ``train_loss``, ``lr`` and, with a validation function, ``val_loss`` and
        ``val_accuracy`` (one entry per finished epoch).
    best_epoch : int
        1-based epoch whose weights were restored.
    stopped_early : bool
        Patience or the loss floor ended the run.
    n_steps : int
    out_of_steps : bool
        The ``max_steps`` budget ended the run.
    """

    history: dict = field(default_factory=dict)
    best_epoch: int = 0
    best_score: float = math.inf
    stopped_early: bool = False
    n_steps: int = 0
    out_of_steps: bool = False


def _one_intraop_thread() -> None:
    torch.set_num_threads(1)


@contextmanager
def worker_pool(n_threads: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool whose workers run torch ops on one intra-op thread each.

    The caller's own thread count is left alone: two fits or predictions in two threads do
    not change each other's settings.
    """
    pool = _new_pool(n_threads)
    try:
        yield pool
    finally:
        _close_pool(pool)


def _new_pool(n_threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(n_threads, initializer=_one_intraop_thread)


def _close_pool(pool: ThreadPoolExecutor) -> None:
    pool.shutdown(wait=True)
    # torch also keeps the last count set anywhere as the start value of new threads; setting
    # this thread's own (unchanged) count puts that back without touching running threads
    torch.set_num_threads(torch.get_num_threads())


class ThreadedGrad:
    """Gradient of a summed loss over a mini-batch, the batch split across worker threads.

    Parameters
    ----------
    params : list of tensors
        The parameters whose gradients are computed (``.grad`` is overwritten).
    n_threads : int
        Worker threads; each runs forward and backward on its shares of the batch. PyTorch
        releases the GIL inside its ops, so the shares run in parallel, each worker on one
        intra-op thread (see :func:`worker_pool`). Use it only when the forward pass has no
        shared mutable state (frozen backbone: batch-norm in eval mode; draw random masks
        beforehand).
    chunk : int
        Rows per share (at least ``n_threads`` shares per batch).

    Notes
    -----
    The summed losses and gradients of the shares are added in a fixed order, so results
    are deterministic; they equal the one-thread gradient up to float rounding.
    """

    def __init__(self, params: list[torch.Tensor], n_threads: int, chunk: int = 16):
        self.params = list(params)
        self.n_threads = max(1, int(n_threads))
        self.chunk = max(1, int(chunk))
        self._pool = _new_pool(self.n_threads) if self.n_threads > 1 else None

    def _part(self, loss_sum: Callable, part: torch.Tensor):
        with torch.enable_grad():
            loss = loss_sum(part)
            grads = torch.autograd.grad(loss, self.params, allow_unused=True)
        return loss.detach(), grads

    def __call__(self, loss_sum: Callable[[torch.Tensor], torch.Tensor], idx: torch.Tensor):
        """Set ``p.grad`` to the gradient of ``sum(loss) / len(idx)``; return that mean loss.

        ``loss_sum(indices)`` must return the **summed** loss of those rows.
        """
        n_parts = min(len(idx), max(self.n_threads, -(-len(idx) // self.chunk)))
        parts = [p for p in idx.tensor_split(n_parts) if len(p)]
        if self._pool is None or len(parts) == 1:
            results = [self._part(loss_sum, p) for p in parts]
        else:
            results = [
                f.result() for f in [self._pool.submit(self._part, loss_sum, p) for p in parts]
            ]
        total = sum(r[0] for r in results)
        for i, p in enumerate(self.params):
            gs = [r[1][i] for r in results if r[1][i] is not None]
            p.grad = (sum(gs[1:], gs[0]) / len(idx)) if gs else None
        return total / len(idx)

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            _close_pool(self._pool)
            self._pool = None


def _trainable_state(model: nn.Module) -> dict:
    """Copy of what training changes: parameters with gradients and buffers of trained modules."""
    state = {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}
    for mod_name, mod in model.named_modules():
        if mod.training:
            for b_name, b in mod.named_buffers(recurse=False):
                state[f"{mod_name}.{b_name}" if mod_name else b_name] = b.detach().clone()
    return state


def train_loop(
    model: nn.Module,
    step_loss: Callable[[torch.Tensor], torch.Tensor],
    n_train: int,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    evaluate: Callable[[], tuple[float, float]] | None = None,
    patience: int | None = None,
    tol: float = 1e-4,
    loss_floor: float | None = None,
    floor_epochs: int = 5,
    max_steps: int | None = None,
    scheduler=None,
    scheduler_per: str = "step",
    verbose: bool = False,
    desc: str = "fit",
    on_epoch_end: Callable[[int, dict, TrainResult], None] | None = None,
    start_epoch: int = 0,
    result: TrainResult | None = None,
    best_state: dict | None = None,
    restore_best: bool = True,
) -> TrainResult:
    """Mini-batch training with model selection and early stopping.

    Parameters
    ----------
    model : nn.Module
        Put in train mode for steps and eval mode for ``evaluate``.
    step_loss : callable
        ``step_loss(indices: LongTensor) -> scalar loss`` for one mini-batch of training rows.
        When the returned loss does not require grad, the step has set the gradients itself
        (e.g. with :class:`ThreadedGrad`) and no ``backward`` is run.
    n_train : int
        Number of training rows (indices are drawn from ``range(n_train)``).
    optimizer : torch.optim.Optimizer
    epochs, batch_size : int
    generator : torch.Generator
        Drives the batch order (reproducible, independent of the global RNG).
    evaluate : callable or None
        ``evaluate() -> (val_loss, val_accuracy)``; selection then uses validation loss.
        Without it, selection uses the epoch's mean training loss.
    patience : int or None
        Stop after this many epochs without a ``tol`` improvement of the selection score.
    tol : float
        Smallest decrease of the selection score that counts as an improvement (absolute).
    loss_floor : float or None
        Only without ``evaluate`` and with ``patience``: also stop once the epoch's mean
        training loss has stayed below ``loss_floor`` for ``floor_epochs`` consecutive epochs.
        Near zero the training loss keeps falling by small amounts that reset the ``tol``
        counter (0.0010 -> 0.0008) while the fit no longer changes; ``None`` disables it.
    floor_epochs : int
        Consecutive epochs below ``loss_floor`` before stopping.
    max_steps : int or None
        A budget of optimiser steps: the run ends with the epoch in which it is reached (whole
        epochs keep the epoch-level selection as it is), whatever ``patience`` says. ``None``:
        ``epochs`` alone bound the run.
    scheduler : optional learning-rate scheduler, stepped per ``"step"`` or ``"epoch"``.
    verbose : bool
        Show a tqdm progress bar over epochs.
    on_epoch_end : callable or None
        ``on_epoch_end(epoch, best_state, result)``, e.g. to write a checkpoint.
    start_epoch, result, best_state : resume a previous run (epochs already done, its result,
        the best weights it kept).
    restore_best : bool
        Load the best epoch's weights at the end.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        When the loss becomes NaN or infinite (with a suggestion to lower the learning rate).
    KeyboardInterrupt
        Propagated unchanged (after closing the progress bar); epochs already passed to
        ``on_epoch_end`` are all that survives.
    """
    res = result if result is not None else TrainResult()
    hist = res.history
    for key in ("epoch", "train_loss", "lr") + (("val_loss", "val_accuracy") if evaluate else ()):
        hist.setdefault(key, [])
    if best_state is None:
        best_state = _trainable_state(model)
    since_best = len(hist["epoch"]) - res.best_epoch if res.best_epoch else 0
    watch_floor = loss_floor is not None and evaluate is None and patience is not None
    below = 0  # consecutive epochs, up to the last one, with training loss below loss_floor
    if watch_floor:
        for value in reversed(hist["train_loss"]):
            if value >= loss_floor:
                break
            below += 1
    bar = tqdm(
        range(start_epoch, epochs), desc=desc, disable=not verbose, unit="epoch", leave=False
    )
    try:
        for epoch in bar:
            model.train()
            order = torch.randperm(n_train, generator=generator)
            total, count = 0.0, 0
            for start in range(0, n_train, batch_size):
                idx = order[start : start + batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = step_loss(idx)
                if not torch.isfinite(loss):
                    if res.n_steps == 0:  # before any update: the inputs, not the step size
                        raise ValueError(
                            f"the training loss is {loss.item()} on the first batch, before any "
                            "update: the inputs are too large or not finite for float32; "
                            "rescale the data (e.g. scaling='dataset')"
                        )
                    raise ValueError(
                        f"the training loss became {loss.item()} at epoch {epoch + 1}; lower the "
                        "learning rate (lr) or the l2 coefficient"
                    )
                if loss.requires_grad:
                    loss.backward()
                optimizer.step()
                if scheduler is not None and scheduler_per == "step":
                    scheduler.step()
                res.n_steps += 1
                total += loss.item() * len(idx)
                count += len(idx)
            if scheduler is not None and scheduler_per == "epoch":
                scheduler.step()
            hist["epoch"].append(epoch + 1)
            hist["train_loss"].append(total / max(count, 1))
            hist["lr"].append(optimizer.param_groups[0]["lr"])
            score = hist["train_loss"][-1]
            if evaluate is not None:
                model.eval()
                val_loss, val_acc = evaluate()
                hist["val_loss"].append(val_loss)
                hist["val_accuracy"].append(val_acc)
                score = val_loss
            if score < res.best_score - tol or res.best_epoch == 0:
                res.best_score, res.best_epoch = score, epoch + 1
                best_state = _trainable_state(model)
                since_best = 0
            else:
                since_best += 1
            postfix = {"loss": f"{hist['train_loss'][-1]:.4f}"}
            if evaluate is not None:
                postfix["val_acc"] = f"{hist['val_accuracy'][-1]:.3f}"
            bar.set_postfix(postfix)
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, best_state, res)
            if watch_floor:
                below = below + 1 if hist["train_loss"][-1] < loss_floor else 0
            if patience is not None and (since_best >= patience or below >= floor_epochs):
                res.stopped_early = True
                break
            if max_steps is not None and res.n_steps >= max_steps:
                res.out_of_steps = True
                break
    finally:
        # Ctrl-C propagates: the caller decides what an interrupted run leaves behind (fit
        # restores the estimator; pretraining keeps its per-epoch checkpoint)
        bar.close()
    if restore_best and best_state:
        model.load_state_dict(best_state, strict=False)
    if evaluate is not None and not res.stopped_early and patience is not None and epochs > 0:
        if res.best_epoch == len(hist["epoch"]) and len(hist["epoch"]) > 1:
            warnings.warn(
                f"the best epoch was the last one ({epochs}): training may not have converged; "
                "consider more epochs",
                ConvergenceWarning,
                stacklevel=2,
            )
    return res


def holdout_split(y, n_classes: int, fraction: float | None, rng) -> tuple[np.ndarray, object]:
    """Stratified ``(train_rows, validation_rows or None)`` of the training data.

    ``fraction=None`` keeps every row for training. When a class has fewer than 2 rows or the
    held-out share cannot hold one row per class, warns and returns no validation rows.
    """
    rows = np.arange(len(y))
    if fraction is None:
        return rows, None
    counts = np.bincount(y, minlength=n_classes)
    n_val = int(np.ceil(fraction * len(y)))
    if counts.min() >= 2 and n_classes <= n_val <= len(y) - n_classes:
        return tuple(train_test_split(rows, test_size=n_val, stratify=y, random_state=rng))
    warnings.warn(
        f"cannot hold out a stratified validation_fraction={fraction} of {len(y)} series with "
        f"class counts {counts.tolist()}; selecting the epoch on training loss instead",
        UserWarning,
        stacklevel=4,
    )
    return rows, None


def adam_with_schedule(
    groups: list[dict], schedule: str, epochs: int, steps_per_epoch: int
) -> tuple[torch.optim.Optimizer, object]:
    """Adam (Keras' ``eps=1e-7``) over the non-empty parameter groups and its per-step
    schedule: ``"constant"`` (none), ``"cosine"`` over all steps, ``"v2s"`` ``1 / (1 + 0.48 t)``.
    """
    opt = torch.optim.Adam([g for g in groups if g["params"]], eps=1e-7)
    if schedule == "cosine":
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    if schedule == "v2s":
        return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + 0.48 * t))
    return opt, None
