"""The training step of reprogramming: the loss, its gradients and θ's L2 penalty, in one place.

``ReprogramClassifier.fit`` and ``tsreprog bench-speed`` both run this object, so the
benchmark times the estimator's own step.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import nll_loss

from tsreprog import kernels
from tsreprog.inference import rows
from tsreprog.training import ThreadedGrad

__all__ = ["ReprogramStep"]


class ReprogramStep:
    """Loss and gradients of one mini-batch: ``mean NLL + l2 · Σθ²``.

    Parameters
    ----------
    model : ReprogrammedModel
    placed : Tensor of shape (n, window)
        The placed training series, on the model's device.
    occupied : Tensor of shape (n or 1, window), bool
    y : LongTensor of shape (n,)
        Encoded targets.
    l2 : float
        Coefficient of θ's squared norm.
    spectra : Tensor of shape (n, freqs, frames) or None
        The placed series' cached spectra (``ReprogrammedModel.placed_spectra``); ``None``
        computes them in each step.
    threads : int
        Worker threads over which the batch is split (:class:`~tsreprog.training.ThreadedGrad`);
        ``1`` runs the whole batch at once. Not used when the backbone is fine-tuned: its
        batch-norm statistics are updated in place and need the whole batch.
    chunk : int or None
        Rows per worker-thread share; ``None``: 16 where tsreprog's native kernels are built,
        else 8.
    fast : bool
        The STFT-linearity path (``True``) or the reference ``logmel(placed + θ)``.

    Calling the step with row indices sets ``.grad`` of every trainable parameter and returns
    the (detached) loss; :func:`tsreprog.training.train_loop` then runs the optimiser.
    """

    def __init__(
        self,
        model,
        placed: Tensor,
        occupied: Tensor,
        y: Tensor,
        *,
        l2: float = 0.0,
        spectra: Tensor | None = None,
        threads: int = 1,
        chunk: int | None = None,
        fast: bool = True,
    ) -> None:
        self.model = model
        self.placed, self.occupied, self.y = placed, occupied, y
        self.l2 = float(l2)
        self.spectra = spectra
        self.fast = fast
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.threads = 1 if model.finetune else max(1, int(threads))
        # shares of 16 rows where the native kernels are built (a batch of 32 on 2 threads: 585
        # vs 493 samples/s for shares of 8, ``results/exploration/chunk_ab.py``), else 8
        # (PyTorch's kernels: small shares keep the STFT and LSTM buffers in cache, +10 %)
        if chunk is None:
            chunk = 16 if kernels.library() is not None else 8
        self._split = ThreadedGrad(self.params, self.threads, chunk) if self.threads > 1 else None

    def loss_sum(self, idx: Tensor, dropout_mask: Tensor | None = None) -> Tensor:
        """Summed NLL of the rows ``idx`` (with graph, for the gradient)."""
        spec = None if self.spectra is None else self.spectra[idx]
        out = self.model(
            self.placed[idx], rows(self.occupied, idx), spec, self.fast, dropout_mask=dropout_mask
        )
        return nll_loss(out, self.y[idx], reduction="sum")

    def __call__(self, idx: Tensor) -> Tensor:
        # one dropout mask per step, shared by the batch's shares (θ is one vector)
        mask = self.model.reprogrammer.sample_dropout_mask()
        if self._split is not None:
            loss = self._split(lambda part: self.loss_sum(part, mask), idx)
        else:
            with torch.enable_grad():
                loss = self.loss_sum(idx, mask) / len(idx)
                grads = torch.autograd.grad(loss, self.params, allow_unused=True)
            for p, g in zip(self.params, grads):
                p.grad = g
            loss = loss.detach()
        theta = self.model.reprogrammer.theta
        if self.l2 and theta.requires_grad:
            theta.grad = theta.grad + 2 * self.l2 * theta.detach()
            loss = loss + self.l2 * theta.detach().square().sum()
        return loss

    def close(self) -> None:
        """Stop the worker threads."""
        if self._split is not None:
            self._split.close()
            self._split = None
