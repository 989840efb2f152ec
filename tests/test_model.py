import numpy as np
import pytest
import torch

from tsreprog.backbones import create_backbone
from tsreprog.kernels import set_native
from tsreprog.mappings import ManyToOneMapping, assign_many_to_one
from tsreprog.model import ReprogrammedModel
from tsreprog.perturbation import InputReprogrammer
from tsreprog.placements import Repeat, Resample, place_series


def _model(mask=False, backbone="attrnn"):
    torch.manual_seed(0)
    bb = create_backbone(backbone, weights=None, seed=1)
    rep = InputReprogrammer(bb.cfg.input_samples, mask=mask)
    with torch.no_grad():
        rep.theta.normal_(0, 0.5)  # a perturbation of the series' own size
    return ReprogrammedModel(rep, bb, ManyToOneMapping(assign_many_to_one(36, 3)))


@pytest.mark.parametrize("native", [False, True])
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize(
    "placement",
    [
        "pad",
        Repeat(n_repeats=3),
        Repeat(n_repeats="fill"),
        Resample(length=4000),
    ],
)
def test_fast_path_matches_reference_logits_and_theta_gradient(placement, mask, native):
    """The reference (``fast=False``, PyTorch's kernels only) against the optimized path (fast,
    with or without the native kernels of ``tsreprog.kernels``)."""
    model = _model(mask)
    rng = np.random.RandomState(0)
    series = [rng.randn(150), rng.randn(97), rng.randn(150)]
    placed, occ = place_series(series, 16000, placement)
    placed, occ = torch.from_numpy(placed), torch.from_numpy(occ)
    model.eval()
    grads, outs = [], []
    for fast in (False, True):
        set_native(model, native and fast)
        model.zero_grad()
        logits = model.source_logits(placed, occ, fast=fast)
        (logits * torch.arange(36.0)).sum().backward()
        outs.append(logits.detach())
        grads.append(model.reprogrammer.theta.grad.clone())
    torch.testing.assert_close(outs[1], outs[0], atol=1e-4, rtol=0)
    scale = grads[0].abs().max()
    torch.testing.assert_close(grads[1] / scale, grads[0] / scale, atol=1e-4, rtol=0)


def test_only_theta_is_trainable_and_backbone_stays_in_eval_mode():
    model = _model()
    assert model.count_parameters()[0] == 16000
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["reprogrammer.theta"]
    model.train()
    assert model.reprogrammer.training
    # every module with a train/eval difference is in eval mode; the LSTMs (no dropout) stay
    # in training mode for cuDNN's backward (tests/test_native.py)
    modal = [m for m in model.backbone.modules() if not isinstance(m, torch.nn.LSTM)]
    assert not any(m.training for m in modal)
    placed = torch.randn(2, 16000)
    model(placed).sum().backward()
    assert model.reprogrammer.theta.grad is not None
    assert all(p.grad is None for p in model.backbone.parameters())


def test_disable_reprogramming_runs_the_bare_backbone():
    model = _model().eval()
    placed = torch.randn(2, 16000)
    with torch.no_grad():
        bare = model.backbone(placed)
        with model.disable_reprogramming():
            through = model.source_logits(placed)
            feats_off = model.logmel(placed)
        feats_on = model.logmel(placed)
    torch.testing.assert_close(through, bare, atol=1e-5, rtol=0)
    torch.testing.assert_close(feats_off, model.backbone.frontend(placed), atol=1e-5, rtol=0)
    assert (feats_on - feats_off).abs().max() > 0.1
    assert model.reprogrammer.enabled


def test_output_is_log_probabilities_over_targets():
    model = _model().eval()
    out = model(torch.randn(4, 16000))
    assert out.shape == (4, 3)
    torch.testing.assert_close(out.exp().sum(1), torch.ones(4))


def test_window_mismatch_is_rejected():
    bb = create_backbone("tiny-test", weights=None)
    with pytest.raises(ValueError, match="window"):
        ReprogrammedModel(InputReprogrammer(16000), bb, ManyToOneMapping(assign_many_to_one(36, 2)))


def test_placed_spectra_equal_the_per_batch_spectra_and_respect_the_budget():
    model = _model(backbone="tiny-test")
    placed = torch.randn(5, model.reprogrammer.window)
    spec = model.placed_spectra(placed, max_mb=64, chunk=2)  # chunks of 2, 2 and 1 rows
    torch.testing.assert_close(spec, model.backbone.frontend.stft(placed), atol=0, rtol=0)
    fe = model.backbone.frontend
    per_series_mb = (fe.n_fft // 2 + 1) * fe.n_frames(placed.shape[-1]) * 8 / 2**20
    assert model.placed_spectra(placed, max_mb=5 * per_series_mb) is not None
    assert model.placed_spectra(placed, max_mb=4.5 * per_series_mb) is None
    # the cached spectra give the same logits as computing them in the step
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(placed[:3], spec=spec[:3]), model(placed[:3]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_fast_path_matches_reference_on_cuda_and_cpu():
    model = _model(mask=True)
    rng = np.random.RandomState(0)
    placed, occ = place_series([rng.randn(150), rng.randn(97)], 16000, Repeat(n_repeats=3))
    results = []
    # cuDNN's convolutions round to TF32 by default (about 1e-3 relative): compare the maths
    # in full float32 here
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        for dev, fast in (("cpu", False), ("cuda", False), ("cuda", True)):
            model.to(dev).eval()
            model.zero_grad()
            p, o = torch.from_numpy(placed).to(dev), torch.from_numpy(occ).to(dev)
            logits = model.source_logits(p, o, fast=fast)
            (logits * torch.arange(36.0, device=dev)).sum().backward()
            # clone: on the CPU, .cpu() is the grad itself, which model.to() then moves
            grad = model.reprogrammer.theta.grad.detach().cpu().clone()
            results.append((logits.detach().cpu().clone(), grad))
    scale = results[0][1].abs().max()
    for logits, grad in results[1:]:
        torch.testing.assert_close(logits, results[0][0], atol=1e-4, rtol=0)
        torch.testing.assert_close(grad / scale, results[0][1] / scale, atol=1e-4, rtol=0)


class _FramesFrontend(torch.nn.Module):
    """A front end without ``stft``/``from_stft``: non-overlapping 100-sample frames."""

    def forward(self, wave):
        return wave.unflatten(-1, (-1, 100)).transpose(-1, -2)  # (batch, 100, frames)


def test_a_front_end_without_the_spectral_path_runs_the_reference_path():
    from tsreprog.model import has_spectral_path

    model = _model(backbone="tiny-test")
    assert has_spectral_path(model.backbone.frontend)
    model.backbone.frontend = _FramesFrontend()
    assert not has_spectral_path(model.backbone.frontend)
    placed = torch.randn(3, 1600)
    assert model.placed_spectra(placed) is None
    # fast=True falls back to frontend(placed + θ): the same features as fast=False
    expected = placed + model.reprogrammer.theta.detach()
    for fast in (True, False):
        feats = model.logmel(placed, fast=fast)
        assert feats.shape == (3, 100, 16)
        torch.testing.assert_close(feats.detach(), _FramesFrontend()(expected))
    feats.sum().backward()
    assert model.reprogrammer.theta.grad is not None
