"""Figures of a fitted :class:`~tsreprog.ReprogramClassifier` and of benchmark results.

Every function returns a :class:`matplotlib.figure.Figure` built with the object API. The
figures are not registered with pyplot: in Jupyter a returned figure is drawn once, in a script
save it with ``fig.savefig(path)``. Nothing here calls ``plt.show``.

=================================  =================================================================
:func:`plot_reprogrammed_input`    placed series, θ and their sum; log-mel of the sum
:func:`plot_theta`                 θ alone: waveform, magnitude spectrum, log-mel
:func:`plot_mapping`               label mapping (target class × source word), or linear weights
:func:`plot_source_probabilities`  source-word probabilities of a batch, grouped by the mapping
:func:`plot_saliency`              gradient × input over the original series
:func:`plot_attention`             the backbone's attention over time, under the log-mel image
:func:`plot_history`               train / validation loss, validation accuracy, best epoch
:func:`plot_benchmark`             accuracy of methods against a reference, from a bench CSV
=================================  =================================================================

:func:`compute_saliency` returns the saliency values that :func:`plot_saliency` draws.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from tsreprog._optional import require
from tsreprog.backbones import get_backbone_cfg
from tsreprog.inference import on_one_thread
from tsreprog.report import outcomes, win_tie_loss

require("matplotlib", "tsreprog.plot")
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.image import AxesImage

    from tsreprog.estimators import ReprogramClassifier
    from tsreprog.frontend import LogMelFrontend
    from tsreprog.model import ReprogrammedModel

__all__ = [
    "compute_saliency",
    "plot_attention",
    "plot_benchmark",
    "plot_history",
    "plot_mapping",
    "plot_reprogrammed_input",
    "plot_saliency",
    "plot_source_probabilities",
    "plot_theta",
]

_BATCH = 256
_C_SERIES, _C_THETA, _C_SUM = "tab:blue", "tab:orange", "black"


# ---------------------------------------------------------------------------------- helpers
def _one_intraop_thread(fn):
    """Run a plot's torch work on a worker with one intra-op thread (small batches; see
    :func:`tsreprog.inference.on_one_thread`); the caller's thread setting is left alone."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return on_one_thread(fn, *args, **kwargs)

    return wrapper


def _new_figure(figsize: tuple[float, float]) -> Figure:
    return Figure(figsize=figsize, layout="constrained")


def _single(clf: ReprogramClassifier) -> None:
    """Refuse an ensemble: the pictures show one reprogramming (θ, mapping, history)."""
    if hasattr(clf, "_check_single"):  # other objects fail the fitted checks that follow
        clf._check_single("this picture")


def _model(clf: ReprogramClassifier) -> ReprogrammedModel:
    _single(clf)
    check_is_fitted(clf, "theta_")
    model = clf.model_
    model.eval()  # fitted models are in eval mode already; never apply θ dropout here
    return model


def _logmel_frontend(clf: ReprogramClassifier, what: str):
    """The fitted model's log-mel front end, or a ValueError for a backbone with another."""
    from tsreprog.frontend import LogMelFrontend

    fe = _model(clf).backbone.frontend
    if not isinstance(fe, LogMelFrontend):
        raise ValueError(
            f"{what} draws log-mel features, but backbone {clf.backbone!r} has the front end "
            f"{type(fe).__name__}; plot_history, plot_mapping and plot_saliency draw any backbone"
        )
    return fe


def _device(model: ReprogrammedModel) -> torch.device:
    return model.reprogrammer.theta.device


def _as_series(series) -> np.ndarray:
    """One univariate series as a 1-D float64 array (``(length,)`` or ``(1, length)``)."""
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1:
        raise ValueError(f"series must be 1-D (or (1, length)), got shape {x.shape}")
    if len(x) == 0:
        raise ValueError("series is empty")
    if not np.isfinite(x).all():
        raise ValueError("series contains NaN or infinity")
    return x


def _place_one(
    clf: ReprogramClassifier, model: ReprogrammedModel, x: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """The estimator's own scaling and placement of one series: ``(1, window)`` wave, occupancy."""
    placed, occ = clf.place(x[None])
    dev = _device(model)
    return placed.to(dev), occ.to(dev)


def _frame_times(fe: LogMelFrontend, n_frames: int) -> np.ndarray:
    """Centre of each STFT frame in seconds (frame ``t`` starts at ``t * hop - pad``)."""
    centre = np.arange(n_frames) * fe.hop_length + fe.n_fft / 2 - fe.pad
    return centre / fe.sample_rate


def _frame_extent(fe: LogMelFrontend, n_frames: int, n_rows: int) -> list[float]:
    t = _frame_times(fe, n_frames)
    half = fe.hop_length / 2 / fe.sample_rate
    return [t[0] - half, t[-1] + half, -0.5, n_rows - 0.5]


def _forward_extras(clf: ReprogramClassifier, series) -> dict:
    """Run one series through the fitted model; everything as numpy on the CPU.

    Keys: ``series``, ``placed``, ``occupied`` and ``perturbation`` (the effective θ, masked
    when ``mask=True``), ``input`` (their sum), ``logmel`` (n_mels, frames), ``attention``
    (frames,), ``embedding``, ``source_proba`` (n_source,), ``target_proba`` (n_classes,).
    """
    _model(clf)
    x = _as_series(series)
    out = {k: v[0] for k, v in clf.inspect(x[None]).items()}
    out["target_proba"] = out.pop("proba")
    out["series"] = x
    return out


def _source_proba_batch(clf: ReprogramClassifier, X) -> np.ndarray:
    """Source-class probabilities ``(n_series, n_source)`` of a batch (validated like predict)."""
    _model(clf)
    return clf.source_proba(X)


def _word_names(clf: ReprogramClassifier) -> list[str]:
    """Names of the source classes; ``"emb0"``... for a backbone whose output is an embedding."""
    cfg = get_backbone_cfg(clf.backbone)
    return list(cfg.label_names) or [f"emb{i}" for i in range(cfg.num_classes)]


def _logmel_image(
    fig: Figure, ax: Axes, fe: LogMelFrontend, logmel: np.ndarray, title: str
) -> AxesImage:
    n_mels, n_frames = logmel.shape
    im = ax.imshow(
        logmel,
        origin="lower",
        aspect="auto",
        cmap="magma",
        interpolation="nearest",
        extent=_frame_extent(fe, n_frames, n_mels),
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mel band")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="standardised log-mel")
    return im


def _label(value) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def _target_index(clf: ReprogramClassifier, target, predicted: int) -> int:
    if target is None:
        return predicted
    matches = np.flatnonzero(clf.classes_ == target)
    if len(matches) == 0:
        raise ValueError(f"target {target!r} is not one of the classes {list(clf.classes_)}")
    return int(matches[0])


# ---------------------------------------------------------------------------------- 1. input
@_one_intraop_thread
def plot_reprogrammed_input(
    clf: ReprogramClassifier, series, *, figsize: tuple[float, float] = (10.0, 6.0)
) -> Figure:
    """Draw the reprogrammed input of one series: waveform and log-mel spectrogram.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    series : array-like of shape (length,) or (1, length)
        One univariate series; it is placed as the estimator places it in ``predict``.
    figsize : (float, float)

    Returns
    -------
    Figure
        Top axes: the placed series, the effective perturbation θ (masked where the series
        sits when ``mask=True``) and their sum against time in seconds. Bottom axes: the
        log-mel features the backbone sees, an image of shape (n_mels, frames), with its
        colorbar.
    """
    fe = _logmel_frontend(clf, "plot_reprogrammed_input")
    ex = _forward_extras(clf, series)
    t = np.arange(len(ex["placed"])) / fe.sample_rate
    fig = _new_figure(figsize)
    ax_w, ax_m = fig.subplots(2, 1)
    theta_label = "θ (masked)" if clf.mask else "θ"
    # the sum underneath, so the placed series and θ stay visible on top of it
    ax_w.plot(t, ex["placed"], color=_C_SERIES, lw=0.9, zorder=2, label="placed series")
    ax_w.plot(t, ex["perturbation"], color=_C_THETA, lw=0.9, zorder=3, label=theta_label)
    ax_w.plot(
        t, ex["input"], color=_C_SUM, lw=1.4, alpha=0.35, zorder=1, label=f"series + {theta_label}"
    )
    ax_w.set_xlim(t[0], t[-1])
    ax_w.set_xlabel("time (s)")
    ax_w.set_ylabel("amplitude")
    ax_w.legend(loc="upper right", fontsize="small")
    pred = int(np.argmax(ex["target_proba"]))
    word = _word_names(clf)[int(np.argmax(ex["source_proba"]))]
    ax_w.set_title(
        f"reprogrammed input ({clf.placement_.name} placement): predicted "
        f"{_label(clf.classes_[pred])!r}, top source word {word!r}"
    )
    _logmel_image(fig, ax_m, fe, ex["logmel"], "log-mel features of the reprogrammed input")
    return fig


# ---------------------------------------------------------------------------------- 2. theta
@_one_intraop_thread
def plot_theta(clf: ReprogramClassifier, *, figsize: tuple[float, float] = (10.0, 8.0)) -> Figure:
    """Draw the learned perturbation θ on its own.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    figsize : (float, float)

    Returns
    -------
    Figure
        Three axes (plus a colorbar): θ against time in seconds, its magnitude spectrum in dB
        against frequency in Hz, and the backbone front end's log-mel features of θ alone
        (n_mels, frames). θ is shown unmasked, as stored in ``theta_``.
    """
    model = _model(clf)
    fe = _logmel_frontend(clf, "plot_theta")
    theta = np.asarray(clf.theta_, dtype=np.float64)
    sr = fe.sample_rate
    t = np.arange(len(theta)) / sr
    spectrum = np.abs(np.fft.rfft(theta))
    freqs = np.fft.rfftfreq(len(theta), d=1.0 / sr)
    db = 20 * np.log10(np.maximum(spectrum, 1e-12))
    with torch.inference_mode():
        th = torch.as_tensor(theta, dtype=torch.float32, device=_device(model))[None]
        logmel = fe(th)[0].cpu().double().numpy()

    fig = _new_figure(figsize)
    ax_w, ax_s, ax_m = fig.subplots(3, 1)
    ax_w.plot(t, theta, color=_C_THETA, lw=0.8)
    ax_w.set_xlim(t[0], t[-1])
    ax_w.set_xlabel("time (s)")
    ax_w.set_ylabel("amplitude")
    rms = float(np.sqrt(np.mean(theta**2)))
    note = "" if getattr(clf, "reprogram", True) else "; reprogram=False: θ stays 0"
    ax_w.set_title(
        f"θ ({len(theta)} samples, RMS {rms:.3g}, max |θ| {np.abs(theta).max():.3g}{note})"
    )
    ax_s.plot(freqs, db, color=_C_THETA, lw=0.8)
    ax_s.set_xlim(freqs[0], freqs[-1])
    ax_s.set_xlabel("frequency (Hz)")
    ax_s.set_ylabel("magnitude (dB)")
    ax_s.set_title("magnitude spectrum of θ")
    _logmel_image(fig, ax_m, fe, logmel, "log-mel features of θ alone")
    return fig


# ---------------------------------------------------------------------------------- 3. mapping
def plot_mapping(clf: ReprogramClassifier, *, figsize: tuple[float, float] | None = None) -> Figure:
    """Draw the label mapping as a target class × source word (or feature) matrix.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    figsize : (float, float) or None
        ``None`` sizes the figure to the matrix.

    Returns
    -------
    Figure
        As the mapping describes itself: for an assignment (``many_to_one``) a 0/1 image of
        shape (n_classes, n_source): a filled cell means the source word's probability counts
        towards that target class; for weights (``linear``) the weight matrix (n_classes,
        n_source) on a diverging colour scale centred at 0, with a colorbar. The x tick labels
        are the backbone's source word names (``label_names`` of its cfg), the y tick labels
        the classes. A linear head on another layer than the logits (``Linear(layer=...)``,
        the default ``"auto"`` on the AttRNN) is drawn over that layer's features, numbered.
    """
    model = _model(clf)
    # a head on another layer than the logits reads features, not source words
    words = _word_names(clf) if model.layer == "logits" else None
    classes = [_label(c) for c in clf.classes_]
    desc = clf.mapping_.describe(model.mapping)
    n_t = len(classes)
    n_s = len(words) if words is not None else np.asarray(desc["matrix"]).shape[1]
    if figsize is None:
        figsize = (max(6.0, 0.28 * n_s + 2.5), max(2.5, 0.35 * n_t + 1.8))
    if figsize is None and words is None:
        figsize = (max(6.0, min(0.05 * n_s + 2.5, 16.0)), max(2.5, 0.35 * n_t + 1.8))
    fig = _new_figure(figsize)
    ax = fig.subplots()
    if desc["kind"] == "assignment":
        A = np.asarray(desc["matrix"], dtype=bool).T  # (n_target, n_source)
        ax.imshow(A.astype(float), cmap="Blues", vmin=0, vmax=1.25, aspect="auto")
        counts = A.sum(1)
        sizes = ", ".join(str(int(c)) for c in np.unique(counts))
        ax.set_title(
            f"{desc['title']}: {sizes} source word(s) per class, {int(A.sum())} of {n_s} words used"
        )
    else:
        W = np.asarray(desc["matrix"], dtype=np.float64)
        vmax = float(np.abs(W).max()) or 1.0
        im = ax.imshow(W, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
        fig.colorbar(im, ax=ax, label="weight")
        where = "the source logits" if words is not None else f"the {model.layer!r} layer"
        ax.set_title(f"{desc['title']} on {where}")
    ax.set_yticks(np.arange(n_t), classes)
    ax.set_yticks(np.arange(n_t + 1) - 0.5, minor=True)
    if words is not None:
        ax.set_xticks(np.arange(n_s), words, rotation=90, fontsize="small")
        ax.set_xticks(np.arange(n_s + 1) - 0.5, minor=True)
        ax.set_xlabel("source word (backbone class)")
    else:
        ax.set_xlabel(f"feature of the backbone's {model.layer!r} layer")
    ax.grid(which="minor", color="0.85", lw=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_ylabel("target class")
    return fig


# ---------------------------------------------------------------------------------- 4. probs
@_one_intraop_thread
def plot_source_probabilities(
    clf: ReprogramClassifier, X, y=None, *, figsize: tuple[float, float] | None = None
) -> Figure:
    """Draw the backbone's source-word probabilities for a batch of series.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    X : array-like
        Series in any form the estimator's ``predict`` accepts.
    y : array-like of shape (n_series,) or None
        True labels. When given, rows are sorted by label (stable) and labelled with it,
        and horizontal lines separate the labels.
    figsize : (float, float) or None

    Returns
    -------
    Figure
        One image of shape (n_series, n_source) with a colorbar from 0 to the largest
        probability. For a many-to-one mapping the columns are grouped by target class (the
        words of class 0, then class 1, ..., then the unmapped words), vertical lines separate
        the groups and a top axis names each group's class. For a linear mapping the words keep
        the backbone's order.
    """
    P = _source_proba_batch(clf, X)
    n, n_s = P.shape
    words = _word_names(clf)
    rows = np.arange(n)
    row_labels = None
    if y is not None:
        y = np.asarray(y)
        if len(y) != n:
            raise ValueError(f"X has {n} series but y has {len(y)} labels")
        rows = np.argsort(y, kind="stable")
        row_labels = y[rows]
    A = clf.mapping_matrix_
    groups: list[tuple[str, int, int]] = []  # (class, first column, end column)
    if A is not None:
        A = np.asarray(A, dtype=bool)
        order: list[int] = []
        for c, cls in enumerate(clf.classes_):
            cols = np.flatnonzero(A[:, c]).tolist()
            groups.append((_label(cls), len(order), len(order) + len(cols)))
            order += cols
        unmapped = np.flatnonzero(~A.any(1)).tolist()
        if unmapped:
            groups.append(("unmapped", len(order), len(order) + len(unmapped)))
        order += unmapped
        cols = np.asarray(order)
    else:
        cols = np.arange(n_s)
    img = P[rows][:, cols]

    if figsize is None:
        figsize = (max(6.0, 0.28 * n_s + 3.0), min(12.0, max(3.0, 0.18 * n + 2.2)))
    fig = _new_figure(figsize)
    ax = fig.subplots()
    # scale to the largest probability: an uncertain backbone would otherwise look blank
    vmax = float(img.max()) if img.size else 1.0
    im = ax.imshow(img, cmap="viridis", vmin=0.0, vmax=vmax, aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax, label="source probability")
    ax.set_xticks(np.arange(n_s), [words[j] for j in cols], rotation=90, fontsize="small")
    ax.set_xlabel("source word")
    ax.set_ylabel("series" + (" (sorted by label)" if y is not None else ""))
    if row_labels is not None:
        bounds = np.flatnonzero(row_labels[1:] != row_labels[:-1]) + 1
        for b in bounds:
            ax.axhline(b - 0.5, color="white", lw=1.2)
        starts = np.r_[0, bounds]
        ends = np.r_[bounds, n]
        ax.set_yticks((starts + ends - 1) / 2, [_label(row_labels[s]) for s in starts])
    if groups:
        for *_, b in groups[:-1]:
            ax.axvline(b - 0.5, color="white", lw=1.2)
        top = ax.secondary_xaxis("top")
        top.set_xticks([(a + b - 1) / 2 for _, a, b in groups], [g for g, _, _ in groups])
        top.set_xlabel("target class of the words")
        ax.set_title("source-word probabilities, grouped by the many-to-one mapping")
    else:
        ax.set_title("source-word probabilities (linear mapping)")
    return fig


# ---------------------------------------------------------------------------------- 5. saliency
def _placement_vjp(clf: ReprogramClassifier, length: int, window: int, g: np.ndarray) -> np.ndarray:
    """``Pᵀ g``: the gradient w.r.t. the original series from the gradient w.r.t. the window.

    A placement that declares itself linear (pad, repeat, resample; :func:`compute_saliency`
    refuses the others) gives ``placed = P x`` with ``P`` of shape (window, length) fixed by
    the length. Column ``j`` of ``P`` is the placement of the unit vector ``e_j``, computed
    here with the fitted placement (``clf.placement_``) in chunks, so ``Pᵀ g`` is exact (for
    copies it sums the gradient over every copy of a sample; for resampling it routes the
    gradient through the interpolation weights) and never drifts from what ``predict`` does.
    """
    out = np.empty(length)
    sample_rate = get_backbone_cfg(clf.backbone).sample_rate
    chunk = max(1, min(length, (1 << 22) // max(window, length)))  # ~32 MB per chunk at most
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "resampled down to fit" would repeat per chunk
        for s in range(0, length, chunk):
            m = min(chunk, length - s)
            basis = np.zeros((m, length))
            basis[np.arange(m), s + np.arange(m)] = 1.0
            cols, _ = clf.placement_.place(list(basis), window, sample_rate)  # P[:, s:s+m].T
            out[s : s + m] = cols.astype(np.float64) @ g
    return out


@_one_intraop_thread
def compute_saliency(
    clf: ReprogramClassifier, series, target=None
) -> tuple[np.ndarray, int, np.ndarray]:
    """Gradient × input saliency of a prediction over the samples of the original series.

    The placed wave gets ``requires_grad``; the frozen backbone and the label mapping are run
    on ``placed + θ`` (the reference, non-fast path) and the log-probability of the target
    class is differentiated w.r.t. the placed wave. The chain rule through the (linear)
    placement gives the exact gradient w.r.t. the original series, ``∂f/∂x = Pᵀ ∂f/∂placed``
    (see :func:`_placement_vjp`), and the saliency is ``x ⊙ ∂f/∂x``. For ``pad`` and
    ``repeat`` this is the sum of the gradient × input of every copy of each sample; for
    resampled placements it is the exact gradient through the interpolation, not an
    interpolation of the window's saliency. ``x`` is the series as the placement receives it,
    after the estimator's ``scaling`` (with ``scaling="dataset"``, ``x - mean`` in units of
    the training data's standard deviation: gradient × input against the training mean).

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    series : array-like of shape (length,) or (1, length)
    target : label or None
        The class whose log-probability is explained; ``None`` for the predicted class.

    Returns
    -------
    saliency : ndarray of shape (length,)
        ``x * d log q_target / d x`` for every sample of the original series (``x`` scaled).
    target_index : int
        Index of the explained class in ``clf.classes_``.
    proba : ndarray of shape (n_classes,)
        Predicted class probabilities of the series.
    """
    model = _model(clf)
    if not clf.placement_.linear:
        raise ValueError(
            f"compute_saliency needs a placement that is linear in the series, but "
            f"{clf.placement_!r} is not (the gradient cannot be carried back through it to the "
            "series' samples); explain a model fitted with pad, repeat or resample"
        )
    x = _as_series(series)
    placed, occ = _place_one(clf, model, x)
    placed = placed.detach().clone().requires_grad_(True)
    # cuDNN's RNN backward refuses eval mode; the frozen backbone stays in eval mode here
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        log_q = model(placed, occ, fast=False)[0]
        idx = _target_index(clf, target, int(torch.argmax(log_q)))
        # autograd.grad (not backward): θ's .grad is left untouched
        (g,) = torch.autograd.grad(log_q[idx], placed)
    g = g[0].detach().cpu().double().numpy()
    grad_x = _placement_vjp(clf, len(x), model.reprogrammer.window, g)
    proba = log_q.detach().exp().cpu().double().numpy()
    return clf.scale(x[None])[0] * grad_x, idx, proba


@_one_intraop_thread
def plot_saliency(
    clf: ReprogramClassifier,
    series,
    target=None,
    *,
    figsize: tuple[float, float] = (10.0, 6.0),
) -> Figure:
    """Draw the series coloured by the gradient × input saliency of a prediction.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    series : array-like of shape (length,) or (1, length)
    target : label or None
        The class to explain; ``None`` for the predicted class.
    figsize : (float, float)

    Returns
    -------
    Figure
        Top axes: the series as a grey line with one marker per sample coloured by its
        saliency (diverging colour scale centred at 0, colorbar). Bottom axes: the saliency
        per sample as bars. The values are those of :func:`compute_saliency` (exact chain
        rule through the placement, see there).
    """
    sal, idx, proba = compute_saliency(clf, series, target)
    x = _as_series(series)
    i = np.arange(len(x))
    vmax = float(np.abs(sal).max()) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    fig = _new_figure(figsize)
    ax_s, ax_b = fig.subplots(2, 1, sharex=True)
    ax_s.plot(i, x, color="0.6", lw=1.0, zorder=1)
    sc = ax_s.scatter(i, x, c=sal, cmap="coolwarm", norm=norm, s=14, zorder=2, edgecolors="none")
    fig.colorbar(sc, ax=[ax_s, ax_b], label="saliency (gradient × input)")
    ax_s.set_ylabel("value")
    which = "predicted" if target is None else "target"
    ax_s.set_title(
        f"saliency of log p({_label(clf.classes_[idx])!r}) ({which} class, p = {proba[idx]:.3f})"
    )
    colors = np.where(sal >= 0, "tab:red", "tab:blue")
    ax_b.bar(i, sal, width=1.0, color=colors)
    ax_b.axhline(0.0, color="0.3", lw=0.6)
    ax_b.set_xlabel("sample of the original series")
    ax_b.set_ylabel("saliency")
    ax_b.set_xlim(-0.5, len(x) - 0.5)
    return fig


# ---------------------------------------------------------------------------------- 6. attention
@_one_intraop_thread
def plot_attention(
    clf: ReprogramClassifier,
    series,
    *,
    background: str = "logmel",
    figsize: tuple[float, float] = (10.0, 6.0),
) -> Figure:
    """Draw the backbone's attention weights over time for one reprogrammed series.

    Parameters
    ----------
    clf : ReprogramClassifier
        A fitted estimator.
    series : array-like of shape (length,) or (1, length)
    background : {"logmel", "waveform"}
        What the top axes show: the log-mel features of the reprogrammed input (with a
        colorbar) or its waveform (placed series + θ).
    figsize : (float, float)

    Returns
    -------
    Figure
        Top: the log-mel image (n_mels, frames) or the waveform, time in seconds. Bottom
        (shared time axis): the attention weight of each frame at the frame's centre time.
    """
    if background not in ("logmel", "waveform"):
        raise ValueError(f"background must be 'logmel' or 'waveform', got {background!r}")
    fe = _logmel_frontend(clf, "plot_attention")
    ex = _forward_extras(clf, series)
    if "attention" not in ex:
        raise ValueError(f"backbone {clf.backbone!r} has no attention over frames to plot")
    att = ex["attention"]
    ft = _frame_times(fe, len(att))
    fig = _new_figure(figsize)
    ax_top, ax_att = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    if background == "logmel":
        _logmel_image(fig, ax_top, fe, ex["logmel"], "log-mel features of the reprogrammed input")
    else:
        t = np.arange(len(ex["input"])) / fe.sample_rate
        ax_top.plot(t, ex["input"], color=_C_SUM, lw=0.6)
        ax_top.set_ylabel("amplitude")
        ax_top.set_title("reprogrammed input (series + θ)")
    ax_top.set_xlabel("")
    # no zero baseline: weights near 1/frames would look flat against it
    ax_att.plot(ft, att, color="tab:green", marker=".", ms=3, lw=1.0, label="attention")
    ax_att.axhline(1.0 / len(att), color="0.5", ls=":", lw=0.8, label="uniform (1/frames)")
    ax_att.set_xlim(*_frame_extent(fe, len(att), 1)[:2])
    ax_att.set_xlabel("time (s)")
    ax_att.set_ylabel("attention weight")
    ax_att.legend(loc="upper right", fontsize="small")
    peak = float(ft[int(np.argmax(att))])
    ax_att.set_title(f"attention over {len(att)} frames (peak at {peak:.3f} s)")
    return fig


# ---------------------------------------------------------------------------------- 7. history
def plot_history(
    clf_or_history: ReprogramClassifier | Mapping,
    *,
    best_epoch: int | None = None,
    figsize: tuple[float, float] = (7.0, 4.0),
) -> Figure:
    """Draw the training history: losses, validation accuracy, best epoch.

    Parameters
    ----------
    clf_or_history : ReprogramClassifier or mapping
        A fitted estimator (its ``history_`` and ``best_epoch_``) or a history dict with
        ``epoch`` and ``train_loss`` and optionally ``val_loss`` and ``val_accuracy``.
    best_epoch : int or None
        Overrides the estimator's ``best_epoch_``; for a dict, ``None`` marks the epoch of the
        lowest validation loss (training loss without validation).
    figsize : (float, float)

    Returns
    -------
    Figure
        Loss axes (train loss, validation loss, a dashed vertical line at the best epoch) and,
        when validation accuracy was recorded, a twin y axis with the validation accuracy.
    """
    if isinstance(clf_or_history, Mapping):
        hist = clf_or_history
    else:
        _single(clf_or_history)
        check_is_fitted(clf_or_history, "history_")
        hist = clf_or_history.history_
        if best_epoch is None:
            best_epoch = int(clf_or_history.best_epoch_)
    epochs = np.asarray(hist["epoch"])
    train = np.asarray(hist["train_loss"], dtype=float)
    val = np.asarray(hist.get("val_loss") or [], dtype=float)
    acc = np.asarray(hist.get("val_accuracy") or [], dtype=float)
    if best_epoch is None and len(epochs):
        best_epoch = int(epochs[int(np.argmin(val if len(val) else train))])

    fig = _new_figure(figsize)
    ax = fig.subplots()
    handles = ax.plot(epochs, train, color="tab:blue", marker="o", ms=3, label="train loss")
    if len(val):
        handles += ax.plot(epochs, val, color="tab:orange", marker="o", ms=3, label="val loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(acc):
        ax2 = ax.twinx()
        handles += ax2.plot(
            epochs, acc, color="tab:green", marker="s", ms=3, ls="--", label="val accuracy"
        )
        ax2.set_ylabel("validation accuracy")
        ax2.set_ylim(-0.02, 1.02)
    if best_epoch is not None:
        handles.append(
            ax.axvline(
                best_epoch, color="tab:red", ls=":", lw=1.2, label=f"best epoch {best_epoch}"
            )
        )
    ax.legend(handles=handles, loc="best", fontsize="small")
    ax.set_title(f"training history ({len(epochs)} epochs, best {best_epoch})")
    return fig


# ---------------------------------------------------------------------------------- 8. bench
def _read_results(csv_or_df) -> pd.DataFrame:
    """A results frame; rows whose ``status`` (when present) is neither "ok" nor empty go."""
    if isinstance(csv_or_df, (str, os.PathLike)):
        from tsreprog.bench import read_results  # drops cut-off and malformed lines

        df = read_results(csv_or_df)
    elif isinstance(csv_or_df, pd.DataFrame):
        df = csv_or_df
    else:
        raise TypeError(
            f"expected a CSV path or a pandas DataFrame, got {type(csv_or_df).__name__}"
        )
    if "status" in df.columns:
        df = df[df["status"].fillna("ok").replace("", "ok") == "ok"]
    return df


def plot_benchmark(
    csv_or_df,
    reference: str | None = None,
    *,
    methods: Sequence[str] | None = None,
    metric: str = "accuracy",
    bars: bool = False,
    annotate: bool = False,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Compare methods with a reference method on a ``tsreprog bench`` results table.

    Parameters
    ----------
    csv_or_df : path or DataFrame
        Results with columns ``dataset``, ``method``, ``seed`` and ``metric`` (more columns are
        ignored); one row per dataset, method and seed, as written by ``tsreprog bench`` (read
        with :func:`tsreprog.bench.read_results`). Rows with a ``status`` other than ``"ok"``
        (or empty) and rows without a value of ``metric`` are left out.
    reference : str or None
        The method on the x axes; ``None`` takes the first method in the table.
    methods : sequence of str or None
        Methods compared with the reference (one scatter axes each); ``None``: all others.
    metric : str
        Column to compare (higher is better).
    bars : bool
        Add a bar chart below: the mean (error bar: standard deviation over seeds) of every
        method on every dataset.
    annotate : bool
        Write the dataset name beside each point.
    figsize : (float, float) or None

    Returns
    -------
    Figure
        One scatter axes per compared method: one point per dataset present for both methods
        (mean over seeds), reference on x, method on y, the diagonal ``y = x``, and the
        method's win / tie / loss counts against the reference in the title (accuracies rounded
        to 4 decimals, as ``tsreprog.bench.compare``). With ``bars``,
        one more axes with the per-dataset bar chart.
    """
    df = _read_results(csv_or_df)
    missing = {"dataset", "method", metric} - set(df.columns)
    if missing:
        raise ValueError(f"results lack the column(s) {sorted(missing)}; got {list(df.columns)}")
    df = df.dropna(subset=[metric])
    all_methods = list(dict.fromkeys(df["method"].astype(str)))
    df = df.assign(method=df["method"].astype(str), dataset=df["dataset"].astype(str))
    if not all_methods:
        raise ValueError("the results table holds no rows")
    reference = all_methods[0] if reference is None else str(reference)
    if reference not in all_methods:
        raise ValueError(f"reference {reference!r} is not among the methods {all_methods}")
    others = [m for m in all_methods if m != reference] if methods is None else list(methods)
    unknown = [m for m in others if m not in all_methods]
    if unknown or not others:
        raise ValueError(
            f"need at least one method besides the reference {reference!r} among {all_methods}"
            + (f"; unknown: {unknown}" if unknown else "")
        )
    stats = df.groupby(["dataset", "method"])[metric].agg(["mean", "std", "count"])
    means = stats["mean"].unstack("method")

    n = len(others)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    if figsize is None:
        figsize = (4.2 * ncols + 0.5, 4.0 * nrows + (3.5 if bars else 0.0))
    fig = _new_figure(figsize)
    gs = fig.add_gridspec(nrows + (1 if bars else 0), ncols)
    lo = float(np.nanmin(means.to_numpy()))
    hi = float(np.nanmax(means.to_numpy()))
    pad = 0.05 * (hi - lo) or 0.05
    lim = (lo - pad, hi + pad)
    for k, m in enumerate(others):
        ax = fig.add_subplot(gs[k // ncols, k % ncols])
        pair = means[[reference, m]].dropna()
        xr, ym = pair[reference].to_numpy(), pair[m].to_numpy()
        outcome = outcomes(ym, xr)  # the rule bench's tables use
        win, tie, loss = win_tie_loss(ym, xr)
        colors = np.where(outcome > 0, "tab:green", np.where(outcome < 0, "tab:red", "0.4"))
        ax.plot(lim, lim, color="0.5", ls="--", lw=1.0, zorder=1)
        ax.scatter(xr, ym, c=colors, s=28, zorder=2, edgecolors="white", linewidths=0.5)
        if annotate:
            for name, a, b in zip(pair.index, xr, ym):
                ax.annotate(
                    name, (a, b), fontsize="x-small", xytext=(3, 3), textcoords="offset points"
                )
        ax.set_xlim(lim)
        ax.set_ylim(lim)
        ax.set_aspect("equal")
        ax.set_xlabel(f"{reference} {metric}")
        ax.set_ylabel(f"{m} {metric}")
        ax.set_title(f"{m} vs {reference}\nW/T/L {win}/{tie}/{loss} ({len(outcome)} datasets)")
        ax.text(0.04, 0.96, f"{m} better", transform=ax.transAxes, va="top", fontsize="x-small")
        ax.text(
            0.96,
            0.04,
            f"{reference} better",
            transform=ax.transAxes,
            ha="right",
            fontsize="x-small",
        )
    if bars:
        ax = fig.add_subplot(gs[nrows, :])
        shown = [reference, *others]
        datasets = list(means.index)
        width = 0.8 / len(shown)
        xs = np.arange(len(datasets))
        std = stats["std"].unstack("method")
        for j, m in enumerate(shown):
            ax.bar(
                xs + (j - (len(shown) - 1) / 2) * width,
                means[m].reindex(datasets).to_numpy(),
                width,
                yerr=std[m].reindex(datasets).fillna(0.0).to_numpy(),
                label=m,
                capsize=2,
            )
        ax.set_xticks(xs, datasets, rotation=45, ha="right", fontsize="small")
        ax.set_ylabel(f"{metric} (mean ± sd over seeds)")
        ax.set_title(f"{metric} per dataset")
        ax.legend(fontsize="small", ncols=min(len(shown), 4))
    return fig
