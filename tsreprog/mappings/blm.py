"""``blm``: Bayesian-guided label mapping (BLM / BLM+, Cai et al., NeurIPS 2024).

Cai et al. ("Bayesian-guided Label Mapping for Visual Reprogramming") replace the hard
one-to-one (or many-to-one) assignment by a probabilistic matrix ``ω (n_source, n_target)``
estimated from the training data, and re-estimate it as the perturbation learns. Written here
as a conditional distribution:

.. math::

    C_{s,t} = \\sum_{i: y_i = t} w_i(s), \\qquad
    \\omega_{s,t} = \\frac{C_{s,t} + \\lambda}{\\sum_{t'} C_{s,t'} + \\lambda\\,n_{target}},
    \\qquad q(t \\mid x) = \\sum_s p(s \\mid x)\\,\\omega_{s,t},

with ``w_i(s) = 1[s = argmax p(· | x_i)]`` (BLM) or ``w_i(s) = p(s | x_i)`` for the ``top_k``
most probable sources of series ``i`` and 0 elsewhere (BLM+). ``ω``'s rows sum to 1, so ``q``
is a distribution over the target classes; ``λ`` (Laplace smoothing) keeps sources that no
training series predicts from vetoing a class. ``ω`` is estimated before training (θ at its
initial value) and again after every epoch; nothing in it is trained by gradient.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from torch import Tensor, nn

from tsreprog.mappings._base import Mapping, register_mapping

__all__ = ["BLM", "BayesianMapping"]


class BayesianMapping(nn.Module):
    """``log q(t | x) = log Σ_s p(s | x) ω[s, t]`` for a row-stochastic ``ω``.

    Shapes
    ------
    ``source_logits (batch, n_source) -> target log-probabilities (batch, n_target)``.
    """

    def __init__(self, omega: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("log_omega", self._log(omega))

    @staticmethod
    def _log(omega) -> Tensor:
        w = torch.as_tensor(np.asarray(omega, dtype=np.float64))
        if (
            w.ndim != 2
            or (w < 0).any()
            or not torch.allclose(w.sum(1), torch.ones(len(w), dtype=w.dtype))
        ):
            raise ValueError("omega must be (n_source, n_target), non-negative, rows summing to 1")
        return torch.log(w)

    @property
    def n_target(self) -> int:
        return self.log_omega.shape[1]

    def set_omega(self, omega: np.ndarray) -> None:
        """Replace ``ω`` in place (same shape)."""
        log_w = self._log(omega)
        if log_w.shape != self.log_omega.shape:
            raise ValueError(
                f"omega of shape {tuple(log_w.shape)}, expected {tuple(self.log_omega.shape)}"
            )
        self.log_omega.copy_(log_w.to(self.log_omega.device))

    def forward(self, source_logits: Tensor) -> Tensor:
        log_p = torch.log_softmax(source_logits, dim=-1)
        return torch.logsumexp(log_p.unsqueeze(-1) + self.log_omega.to(log_p.dtype), dim=-2)


@register_mapping
class BLM(Mapping):
    """Bayesian-guided label mapping, re-estimated after every epoch.

    Parameters
    ----------
    top_k : int >= 1, default=1
        ``1``: count each series' top source prediction (BLM); ``k > 1``: add each series' ``k``
        most probable sources, weighted by their probabilities (BLM+).
    smoothing : float > 0, default=1.0
        Laplace smoothing ``λ`` added to every count.
    """

    name = "blm"
    trains = False
    remaps = True
    needs_source_classes = True
    _parameter_constraints = {
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, top_k: int = 1, smoothing: float = 1.0) -> None:
        self.top_k = top_k
        self.smoothing = smoothing

    def check(self, n_source: int, n_target: int) -> None:
        super().check(n_source, n_target)
        if self.top_k > n_source:
            raise ValueError(
                f"top_k={self.top_k} but the backbone has {n_source} source classes; use a "
                f"top_k of at most {n_source}"
            )

    def _omega(self, scores) -> np.ndarray:
        counts = np.asarray(scores(f"top{self.top_k}"), dtype=np.float64) + self.smoothing
        return counts / counts.sum(1, keepdims=True)

    def build(self, n_source, n_target, *, rng, generator, scores):
        return BayesianMapping(self._omega(scores))

    def remap(self, module, scores) -> None:
        module.set_omega(self._omega(scores))

    def from_state(self, n_source, n_target, state):
        module = BayesianMapping(np.full((n_source, n_target), 1.0 / n_target))
        module.log_omega.copy_(torch.as_tensor(np.asarray(state["log_omega"])))
        return module

    def describe(self, module):
        return {
            "kind": "weights",
            "matrix": module.log_omega.exp().T.cpu().double().numpy(),
            "title": "Bayesian label mapping ω"
            + (f" (BLM+, top {self.top_k})" if self.top_k > 1 else " (BLM)"),
        }
