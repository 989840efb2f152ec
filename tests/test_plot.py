"""Figures of tsreprog.plot: drawn from tiny fitted estimators, their content checked."""

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

from tsreprog import ReprogramClassifier
from tsreprog import plot as tp
from tsreprog.backbones import get_backbone_cfg
from tsreprog.labels import SPEECH_COMMANDS_CLASSES
from tsreprog.mappings import Linear, ManyToOne
from tsreprog.placements import Resample

matplotlib.use("Agg")  # before any figure; pyplot switches backend on this call

# tiny-test backbone: 1600-sample window at 16 kHz, 16 mel bands, 25 frames
WINDOW, SR, N_MELS, N_FRAMES = 1600, 16000, 16, 25
L = 40


def _fit(**kw) -> ReprogramClassifier:
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, L)
    X = np.vstack(
        [
            np.sin(2 * np.pi * 3 * t) + 0.1 * rng.randn(8, L),
            np.sign(np.sin(2 * np.pi * 3 * t)) + 0.1 * rng.randn(8, L),
        ]
    )
    y = np.array(["sine"] * 8 + ["square"] * 8)
    # a validation split so that the history has validation curves to draw
    params = dict(
        backbone="tiny-test",
        epochs=2,
        random_state=0,
        validation_fraction=0.25,
        mapping="many_to_one",
        placement="repeat",  # the pictures show one reprogramming
    )
    params.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "best epoch was the last one" after 2 epochs
        clf = ReprogramClassifier(**params).fit(X, y)
    return clf, X, y


@pytest.fixture(scope="module")
def fitted():
    return _fit()


@pytest.fixture(scope="module")
def fitted_linear():
    return _fit(mapping=Linear(layer="logits"))


@pytest.fixture(scope="module")
def fitted_head():
    return _fit(mapping="linear")  # "auto": the backbone's readout layer


@pytest.fixture(scope="module")
def fitted_resample():
    return _fit(placement=Resample(length=300), mask=True, mapping=ManyToOne(n_map=5))


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    """The plot functions build figures with the object API, never through pyplot."""
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before
    plt.close("all")


def _images(fig):
    return [im for ax in fig.axes for im in ax.get_images()]


def _ticklabels(ax, axis="x"):
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def _model_forward(clf, x):
    model = clf.model_
    placed, occ = clf.place(x[None])
    with torch.no_grad():
        logits, extras = model.source_logits(placed, occ, fast=False, return_extras=True)
    return model, placed, occ, logits, extras


# ------------------------------------------------------------------------------ 1. input
def test_plot_reprogrammed_input(fitted):
    clf, X, _ = fitted
    fig = tp.plot_reprogrammed_input(clf, X[0])
    assert len(fig.axes) == 3  # waveform, log-mel, colorbar
    ax_w, ax_m = fig.axes[:2]
    lines = ax_w.get_lines()
    assert len(lines) == 3
    assert [ln.get_label() for ln in lines] == ["placed series", "θ", "series + θ"]
    assert len({ln.get_color() for ln in lines}) == 3
    placed, theta, total = (ln.get_ydata() for ln in lines)
    model, placed_ref, _, _, extras = _model_forward(clf, X[0])
    np.testing.assert_allclose(placed, placed_ref[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(theta, clf.theta_, atol=1e-6)
    np.testing.assert_allclose(total, placed + theta, atol=1e-6)
    t = lines[0].get_xdata()
    assert len(t) == WINDOW and t[0] == 0 and t[-1] == pytest.approx((WINDOW - 1) / SR)
    assert ax_w.get_xlabel() == "time (s)"
    assert ax_w.get_ylabel() == "amplitude"
    assert "predicted" in ax_w.get_title()

    (im,) = ax_m.get_images()
    assert im.get_array().shape == (N_MELS, N_FRAMES)
    np.testing.assert_allclose(im.get_array(), extras["logmel"][0].numpy(), atol=1e-5)
    assert ax_m.get_xlabel() == "time (s)" and ax_m.get_ylabel() == "mel band"
    left, right, _, _ = im.get_extent()
    assert 0 <= left < 0.01 and WINDOW / SR - 0.01 < right <= WINDOW / SR + 1e-9
    assert "log-mel" in fig.axes[2].get_ylabel()  # colorbar label
    plt.close(fig)


def test_plot_reprogrammed_input_masked_theta(fitted_resample):
    clf, X, _ = fitted_resample
    fig = tp.plot_reprogrammed_input(clf, X[1])
    ax_w = fig.axes[0]
    theta_line = ax_w.get_lines()[1]
    assert theta_line.get_label() == "θ (masked)"
    theta = theta_line.get_ydata()
    # mask=True: the effective θ is zero where the resampled series sits (first 300 samples)
    assert np.all(theta[:300] == 0) and np.any(theta[300:] != 0)
    plt.close(fig)


def test_plot_reprogrammed_input_rejects_2d(fitted):
    clf, X, _ = fitted
    with pytest.raises(ValueError, match="1-D"):
        tp.plot_reprogrammed_input(clf, X[:2])


# ------------------------------------------------------------------------------ 2. theta
def test_plot_theta(fitted):
    clf, _, _ = fitted
    fig = tp.plot_theta(clf)
    assert len(fig.axes) == 4  # waveform, spectrum, log-mel, colorbar
    ax_w, ax_s, ax_m = fig.axes[:3]
    (wave,) = ax_w.get_lines()
    np.testing.assert_allclose(wave.get_ydata(), clf.theta_)
    assert ax_w.get_xlabel() == "time (s)"
    (spec,) = ax_s.get_lines()
    assert len(spec.get_xdata()) == WINDOW // 2 + 1
    assert spec.get_xdata()[-1] == pytest.approx(SR / 2)
    assert ax_s.get_xlabel() == "frequency (Hz)" and "dB" in ax_s.get_ylabel()
    (im,) = ax_m.get_images()
    assert im.get_array().shape == (N_MELS, N_FRAMES)
    assert ax_m.get_ylabel() == "mel band"
    plt.close(fig)


# ------------------------------------------------------------------------------ 3. mapping
def test_plot_mapping_many_to_one(fitted):
    clf, _, _ = fitted
    fig = tp.plot_mapping(clf)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    (im,) = ax.get_images()
    assert im.get_array().shape == (2, 36)
    np.testing.assert_array_equal(np.asarray(im.get_array()) > 0, clf.mapping_matrix_.T)
    assert _ticklabels(ax, "x") == list(SPEECH_COMMANDS_CLASSES)
    assert _ticklabels(ax, "y") == ["sine", "square"]
    assert "source word" in ax.get_xlabel() and ax.get_ylabel() == "target class"
    assert "many-to-one" in ax.get_title()
    plt.close(fig)


def test_plot_mapping_linear(fitted_linear):
    clf, _, _ = fitted_linear
    assert clf.mapping_matrix_ is None
    fig = tp.plot_mapping(clf)
    assert len(fig.axes) == 2  # weights and colorbar
    ax = fig.axes[0]
    (im,) = ax.get_images()
    np.testing.assert_allclose(im.get_array(), clf.mapping_state_["linear.weight"])
    lo, hi = im.get_clim()
    assert lo == pytest.approx(-hi)  # centred on zero
    assert "cat" in _ticklabels(ax, "x") and "linear" in ax.get_title()
    plt.close(fig)


def test_plot_mapping_of_a_head_on_features_has_no_word_labels(fitted_head):
    clf, _, _ = fitted_head
    fig = tp.plot_mapping(clf)
    ax = fig.axes[0]
    (im,) = ax.get_images()
    np.testing.assert_allclose(im.get_array(), clf.mapping_state_["linear.weight"])
    assert im.get_array().shape[1] == clf.model_.backbone.cfg.output_width(clf.model_.layer)
    assert "cat" not in _ticklabels(ax, "x") and "'pooled' layer" in ax.get_xlabel()
    plt.close(fig)


# ------------------------------------------------------------------------------ 4. source probs
def test_plot_source_probabilities_grouped(fitted):
    clf, X, y = fitted
    order = np.random.RandomState(1).permutation(len(X))  # shuffled rows come back sorted
    fig = tp.plot_source_probabilities(clf, X[order], y[order])
    assert len(fig.axes) == 2  # heatmap, colorbar
    ax = fig.axes[0]
    (im,) = ax.get_images()
    P = np.asarray(im.get_array())
    assert P.shape == (len(X), 36)
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-5)
    # columns grouped by target: first the words of "sine", then those of "square"
    words = _ticklabels(ax, "x")
    A = clf.mapping_matrix_
    names = np.array(SPEECH_COMMANDS_CLASSES)
    k0 = int(A[:, 0].sum())
    assert set(words[:k0]) == set(names[A[:, 0]])
    assert set(words[k0:]) == set(names[~A[:, 0]])
    # the probabilities are the model's, rows sorted by label
    model = clf.model_
    placed, occ = clf.place(X[order])
    with torch.no_grad():
        ref = torch.softmax(model.source_logits(placed, occ), -1).numpy()
    rows = np.argsort(y[order], kind="stable")
    cols = [list(names).index(w) for w in words]
    np.testing.assert_allclose(P, ref[rows][:, cols], atol=1e-5)
    assert _ticklabels(ax, "y") == ["sine", "square"]
    top = ax.child_axes[0] if ax.child_axes else None
    assert top is not None and _ticklabels(top, "x") == ["sine", "square"]
    assert "probability" in fig.axes[1].get_ylabel()
    plt.close(fig)


def test_plot_source_probabilities_linear_no_labels(fitted_linear):
    clf, X, _ = fitted_linear
    fig = tp.plot_source_probabilities(clf, X[:5])
    ax = fig.axes[0]
    assert ax.get_images()[0].get_array().shape == (5, 36)
    assert _ticklabels(ax, "x") == list(SPEECH_COMMANDS_CLASSES)
    assert "linear" in ax.get_title()
    plt.close(fig)


def test_plot_source_probabilities_unmapped_words(fitted_resample):
    clf, X, y = fitted_resample
    fig = tp.plot_source_probabilities(clf, X, y)
    ax = fig.axes[0]
    top = ax.child_axes[0]
    assert _ticklabels(top, "x") == ["sine", "square", "unmapped"]
    # group centres: 5 words of each class, then the 26 unmapped ones
    np.testing.assert_allclose(top.get_xticks(), [2.0, 7.0, 22.5])
    words = _ticklabels(ax, "x")
    names = np.array(SPEECH_COMMANDS_CLASSES)
    assert set(words[10:]) == set(names[~clf.mapping_matrix_.any(1)])
    plt.close(fig)
    fig = tp.plot_mapping(clf)
    assert "5 source word(s) per class, 10 of 36 words used" in fig.axes[0].get_title()
    plt.close(fig)


def test_unfitted_estimator_raises():
    from sklearn.exceptions import NotFittedError

    clf = ReprogramClassifier(backbone="tiny-test")
    for f in (tp.plot_theta, tp.plot_mapping, tp.plot_history):
        with pytest.raises(NotFittedError):
            f(clf)
    with pytest.raises(NotFittedError):
        tp.plot_saliency(clf, np.zeros(10))


# ------------------------------------------------------------------------------ 5. saliency
def test_plot_saliency_one_value_per_sample(fitted):
    clf, X, _ = fitted
    theta_param = clf.model_.reprogrammer.theta
    theta_before = theta_param.detach().clone()
    grad_before = None if theta_param.grad is None else theta_param.grad.clone()
    fig = tp.plot_saliency(clf, X[0])
    assert len(fig.axes) == 3  # series, bars, colorbar
    ax_s, ax_b = fig.axes[:2]
    (sc,) = [c for c in ax_s.collections if isinstance(c, PathCollection)]
    assert sc.get_offsets().shape == (L, 2)
    np.testing.assert_allclose(sc.get_offsets()[:, 1], X[0])
    sal, idx, proba = tp.compute_saliency(clf, X[0])
    assert sal.shape == (L,)
    np.testing.assert_allclose(sc.get_array(), sal)
    bars = [p for p in ax_b.patches if isinstance(p, Rectangle)]
    assert len(bars) == L
    np.testing.assert_allclose([b.get_height() for b in bars], sal)
    assert ax_b.get_xlabel() == "sample of the original series"
    assert clf.classes_[idx] in ax_s.get_title()
    assert idx == int(np.argmax(clf.predict_proba(X[:1])[0]))
    np.testing.assert_allclose(proba, clf.predict_proba(X[:1])[0], atol=1e-5)
    # the model's θ is untouched and no gradient accumulates into it
    assert torch.equal(theta_param.detach(), theta_before)
    if grad_before is None:
        assert theta_param.grad is None
    else:
        assert torch.equal(theta_param.grad, grad_before)
    plt.close(fig)


def test_saliency_sums_gradient_over_copies(fitted):
    """repeat/fill: 40 copies of a 40-sample series; saliency = x * sum of copies' gradients."""
    clf, X, _ = fitted
    x = X[3]
    sal, idx, _ = tp.compute_saliency(clf, x)
    model = clf.model_
    placed, occ = clf.place(x[None])
    x = clf.scale(x[None])[0]  # the series as the placement receives it
    placed.requires_grad_(True)
    log_q = model.mapping(model.source_logits(placed, occ, fast=False))[0, idx]
    (g,) = torch.autograd.grad(log_q, placed)
    g = g[0].double().numpy()
    assert WINDOW // L == 40
    expected = x * g.reshape(WINDOW // L, L).sum(0)
    np.testing.assert_allclose(sal, expected, rtol=1e-5, atol=1e-9)


def test_saliency_resample_exact_gradient(fitted_resample):
    """Through a resampling placement the saliency is the exact gradient x input."""
    clf, X, _ = fitted_resample
    x = X[2]
    sal, idx, _ = tp.compute_saliency(clf, x)
    assert sal.shape == (L,)
    xs = clf.scale(x[None])[0]  # saliency is gradient x input of the scaled series
    grad = sal / xs
    # adjoint of the placement: <P v, g> == <v, P^T g> for any v, g
    rng = np.random.RandomState(0)
    v, g = rng.randn(L), rng.randn(WINDOW)
    sr = get_backbone_cfg(clf.backbone).sample_rate
    Pv = clf.placement_.place([v], WINDOW, sr)[0][0].astype(np.float64)
    np.testing.assert_allclose(tp._placement_vjp(clf, L, WINDOW, g) @ v, Pv @ g, rtol=1e-5)
    # finite difference of the explained log-probability along the gradient
    d = grad / np.linalg.norm(grad)
    eps = 3e-2
    raw = lambda z: z * clf.scale_std_ + clf.scale_mean_  # noqa: E731
    f = lambda z: clf.predict_log_proba(raw(z)[None])[0, idx]  # noqa: E731
    fd = (f(xs + eps * d) - f(xs - eps * d)) / (2 * eps)
    assert fd == pytest.approx(np.linalg.norm(grad), rel=0.05)


def test_plot_saliency_target(fitted):
    clf, X, _ = fitted
    fig = tp.plot_saliency(clf, X[0], target="square")
    assert "'square'" in fig.axes[0].get_title() and "target class" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="not one of the classes"):
        tp.compute_saliency(clf, X[0], target="triangle")


def test_saliency_with_finetuned_backbone_and_zero_theta():
    clf, X, _ = _fit(reprogram=False, finetune=True, epochs=1)
    model = clf.model_
    grads = {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()}
    sal, _, _ = tp.compute_saliency(clf, X[0])
    assert sal.shape == (L,) and np.isfinite(sal).all() and np.any(sal != 0)
    for n, p in model.named_parameters():  # no gradient accumulates in the fitted weights
        assert (p.grad is None) if grads[n] is None else torch.equal(p.grad, grads[n])
    fig = tp.plot_theta(clf)
    assert "reprogram=False" in fig.axes[0].get_title()
    assert np.all(fig.axes[0].get_lines()[0].get_ydata() == 0)
    plt.close(fig)


# ------------------------------------------------------------------------------ 6. attention
def test_plot_attention(fitted):
    clf, X, _ = fitted
    fig = tp.plot_attention(clf, X[0])
    assert len(fig.axes) == 3  # log-mel, attention, colorbar
    ax_m, ax_a = fig.axes[:2]
    assert ax_m.get_images()[0].get_array().shape == (N_MELS, N_FRAMES)
    att = ax_a.get_lines()[0]
    assert att.get_label() == "attention"
    _, _, _, _, extras = _model_forward(clf, X[0])
    np.testing.assert_allclose(att.get_ydata(), extras["attention"][0].numpy(), atol=1e-6)
    assert np.sum(att.get_ydata()) == pytest.approx(1.0, abs=1e-5)
    t = att.get_xdata()
    assert len(t) == N_FRAMES
    # frame centres: 64-sample hop, first frame centred at 128 - 96 = 32 samples
    np.testing.assert_allclose(t, (np.arange(N_FRAMES) * 64 + 32) / SR)
    assert ax_a.get_xlabel() == "time (s)" and ax_a.get_ylabel() == "attention weight"
    plt.close(fig)


def test_plot_attention_waveform_background(fitted):
    clf, X, _ = fitted
    fig = tp.plot_attention(clf, X[0], background="waveform")
    assert len(fig.axes) == 2 and not _images(fig)
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == WINDOW
    plt.close(fig)
    with pytest.raises(ValueError, match="background"):
        tp.plot_attention(clf, X[0], background="mfcc")


# ------------------------------------------------------------------------------ 7. history
def test_plot_history(fitted):
    clf, _, _ = fitted
    h = clf.history_
    assert "val_accuracy" in h
    fig = tp.plot_history(clf)
    assert len(fig.axes) == 2  # loss axes and the accuracy twin
    ax, ax2 = fig.axes
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels == ["train loss", "val loss", f"best epoch {clf.best_epoch_}"]
    train, val, best = ax.get_lines()
    np.testing.assert_allclose(train.get_ydata(), h["train_loss"])
    np.testing.assert_allclose(val.get_ydata(), h["val_loss"])
    assert list(best.get_xdata()) == [clf.best_epoch_] * 2
    (acc,) = ax2.get_lines()
    np.testing.assert_allclose(acc.get_ydata(), h["val_accuracy"])
    assert len(acc.get_xdata()) == clf.n_iter_
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax2.get_ylabel() == "validation accuracy"
    plt.close(fig)


def test_plot_history_dict_without_validation():
    hist = {"epoch": [1, 2, 3], "train_loss": [1.0, 0.5, 0.7], "lr": [0.1] * 3}
    fig = tp.plot_history(hist)
    assert len(fig.axes) == 1
    assert [ln.get_label() for ln in fig.axes[0].get_lines()] == ["train loss", "best epoch 2"]
    plt.close(fig)


# ------------------------------------------------------------------------------ 8. benchmark
def _bench_frame() -> pd.DataFrame:
    ref = {"A": 0.80, "B": 0.70, "C": 0.90, "D": 0.60}
    other = {"A": 0.85, "B": 0.70, "C": 0.80, "D": 0.65}  # 2 wins, 1 tie, 1 loss
    rows = []
    for seed, jitter in [(0, -0.01), (1, 0.01)]:  # the mean over seeds cancels the jitter
        for d in ref:
            rows.append(dict(dataset=d, method="v2s", seed=seed, accuracy=ref[d] + jitter))
            rows.append(dict(dataset=d, method="rocket", seed=seed, accuracy=other[d] - jitter))
            rows.append(dict(dataset=d, method="knn", seed=seed, accuracy=0.5, fit_s=1.0))
    # failed cells (status "failed", no accuracy) are left out
    rows.append(dict(dataset="E", method="rocket", seed=0, accuracy=np.nan, status="failed"))
    rows.append(dict(dataset="E", method="v2s", seed=0, accuracy=0.1, status="failed"))
    return pd.DataFrame(rows)


def test_plot_benchmark_scatter(tmp_path):
    path = tmp_path / "bench.csv"
    _bench_frame().to_csv(path, index=False)
    fig = tp.plot_benchmark(path, reference="v2s")
    assert len(fig.axes) == 2  # rocket vs v2s, knn vs v2s
    ax = fig.axes[0]
    (sc,) = ax.collections
    pts = np.asarray(sc.get_offsets())
    assert pts.shape == (4, 2)  # one point per dataset, mean over seeds
    np.testing.assert_allclose(sorted(pts[:, 0]), [0.6, 0.7, 0.8, 0.9])
    np.testing.assert_allclose(sorted(pts[:, 1]), [0.65, 0.7, 0.8, 0.85])
    assert "W/T/L 2/1/1" in ax.get_title() and "rocket vs v2s" in ax.get_title()
    assert "W/T/L 0/0/4" in fig.axes[1].get_title()
    (diag,) = ax.get_lines()
    xd, yd = diag.get_xdata(), diag.get_ydata()
    np.testing.assert_allclose(xd, yd)
    assert ax.get_xlabel() == "v2s accuracy" and ax.get_ylabel() == "rocket accuracy"
    plt.close(fig)


def test_plot_benchmark_bars_and_options():
    df = _bench_frame()
    fig = tp.plot_benchmark(df, "v2s", methods=["rocket"], bars=True)
    assert len(fig.axes) == 2  # one scatter, one bar chart
    assert "W/T/L 2/1/1" in fig.axes[0].get_title()
    ax_b = fig.axes[1]
    assert len(ax_b.patches) == 2 * 4  # 2 methods x 4 datasets
    assert _ticklabels(ax_b, "x") == ["A", "B", "C", "D"]
    plt.close(fig)
    fig = tp.plot_benchmark(df)  # reference defaults to the first method in the table
    assert "vs v2s" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="reference"):
        tp.plot_benchmark(df, reference="nope")
    with pytest.raises(ValueError, match="column"):
        tp.plot_benchmark(df.drop(columns="accuracy"))


# ------------------------------------------------------------------------------ attrnn
@pytest.mark.slow
def test_plots_on_attrnn():
    rng = np.random.RandomState(0)
    X = rng.randn(4, 60).cumsum(1)
    y = np.repeat([0, 1], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ReprogramClassifier(
            backbone="attrnn",
            weights=None,
            epochs=1,
            batch_size=4,
            validation_fraction=None,
            random_state=0,
            placement="repeat",
        ).fit(X, y)
    fig = tp.plot_reprogrammed_input(clf, X[0])
    assert fig.axes[1].get_images()[0].get_array().shape == (80, 125)
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 16000
    plt.close(fig)
    fig = tp.plot_attention(clf, X[0])
    att = fig.axes[1].get_lines()[0]
    assert len(att.get_ydata()) == 125
    assert att.get_xdata()[0] == pytest.approx(64 / 16000)
    plt.close(fig)
    fig = tp.plot_saliency(clf, X[0])
    assert fig.axes[0].collections[0].get_offsets().shape == (60, 2)
    plt.close(fig)
    for f in (tp.plot_theta, tp.plot_mapping, tp.plot_history):
        plt.close(f(clf))
    fig = tp.plot_source_probabilities(clf, X, y)
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 36)
    plt.close(fig)


def test_saliency_refuses_a_placement_that_is_not_linear():
    clf, X, _ = _fit(placement="am")
    with pytest.raises(ValueError, match="linear in the series.*AM"):
        tp.compute_saliency(clf, X[0])


def test_plot_benchmark_counts_as_bench_compare_does():
    """One tie rule: differences below 0.01 points are ties in the plot as in the tables."""
    from tsreprog.bench import compare

    rows = []
    for ds, a, b in [("A", 0.80001, 0.8), ("B", 0.9, 0.8), ("C", 0.7, 0.75), ("D", 0.6, 0.6)]:
        rows += [dict(dataset=ds, method="m", seed=0, accuracy=a)]
        rows += [dict(dataset=ds, method="ref", seed=0, accuracy=b)]
    df = pd.DataFrame(rows)
    w, t, l = compare(df.pivot(index="dataset", columns="method", values="accuracy"))["wtl"][
        ("m", "ref")
    ]
    assert (w, t, l) == (1, 2, 1)
    fig = tp.plot_benchmark(df, reference="ref")
    assert f"W/T/L {w}/{t}/{l}" in fig.axes[0].get_title()
    plt.close(fig)
