"""The native C kernels (``tsreprog.kernels``) against PyTorch's, and their fallback."""

import os
import shutil
import warnings

import pytest
import torch

from tsreprog import kernels
from tsreprog.backbones.attrnn import AttRNN
from tsreprog.frontend import LogMelFrontend, _mel_power

needs_native = pytest.mark.skipif(
    kernels.library() is None, reason="no C compiler: native kernels not built"
)


def test_ci_builds_the_native_kernels():
    """CI installs a C compiler, so there the kernels must build (not silently fall back)."""
    if not os.environ.get("CI"):
        pytest.skip("only enforced in CI")
    assert kernels.library() is not None


def _attrnn(seed=0):
    torch.manual_seed(seed)
    net = AttRNN()
    for bn in (net.bn1, net.bn2):  # non-trivial eval-mode batch-norms
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.normal_()
        bn.bias.data.normal_()
    return net.eval().requires_grad_(False)


@needs_native
@pytest.mark.parametrize("batch", [1, 5, 8])
def test_attrnn_native_logits_and_input_gradient_match_pytorch(batch):
    net = _attrnn()
    x = torch.randn(batch, 80, 125, generator=torch.Generator().manual_seed(batch))
    probe = torch.randn(batch, 36, generator=torch.Generator().manual_seed(7))
    outs, grads = [], []
    for native in (False, True):
        net.native = native
        xi = x.clone().requires_grad_(True)
        out = net(xi)
        (grad,) = torch.autograd.grad((out * probe).sum(), xi)
        outs.append(out.detach())
        grads.append(grad)
    assert torch.count_nonzero(grads[0]) > 0
    torch.testing.assert_close(outs[1], outs[0], atol=1e-5, rtol=0)
    scale = grads[0].abs().max()
    torch.testing.assert_close(grads[1] / scale, grads[0] / scale, atol=1e-5, rtol=0)


@needs_native
def test_native_lstm_matches_torch_layer_by_layer():
    torch.manual_seed(3)
    lstm = torch.nn.LSTM(24, 16, batch_first=True, bidirectional=True).requires_grad_(False)
    x = torch.randn(3, 11, 24, requires_grad=True)
    probe = torch.randn(3, 11, 32)
    ref, _ = lstm(x)
    (g_ref,) = torch.autograd.grad((ref * probe).sum(), x)
    out = kernels.NativeBiLSTM.apply(x, kernels.lstm_weights(lstm))
    (g,) = torch.autograd.grad((out * probe).sum(), x)
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=0)
    torch.testing.assert_close(g, g_ref, atol=1e-5, rtol=0)


@needs_native
def test_native_kernels_are_not_used_where_weight_gradients_or_training_mode_are_needed():
    net = _attrnn()
    x = torch.randn(2, 80, 125)
    assert net._use_native(x)
    net.lstm2.weight_hh_l0.requires_grad_(True)  # fine-tuning: weight gradients wanted
    assert not net._use_native(x)
    net(x).sum().backward()
    assert net.lstm2.weight_hh_l0.grad is not None
    with torch.no_grad():  # inference needs no weight gradient: native again
        assert net._use_native(x)
    net.requires_grad_(False).train()  # batch statistics: PyTorch's batch-norm
    assert not net._use_native(x)
    net.eval()
    net.native = False
    assert not net._use_native(x)
    assert not net._use_native(x.double())


@needs_native
def test_weights_changed_in_place_are_picked_up():
    net = _attrnn()
    x = torch.randn(2, 80, 125)
    before = net(x)
    with torch.no_grad():
        net.lstm1.weight_ih_l0.mul_(0.5)
        net.bn1.running_mean.add_(1.0)
    after = net(x)
    net.native = False
    torch.testing.assert_close(after, net(x), atol=1e-5, rtol=0)
    assert (after - before).abs().max() > 1e-3


@needs_native
@pytest.mark.parametrize("delta_shape", [None, (513, 125), (1, 513, 125)])
def test_native_mel_power_matches_the_filterbank_product(delta_shape):
    fe = LogMelFrontend()
    g = torch.Generator().manual_seed(0)
    spec = fe.stft(torch.randn(3, 16000, generator=g))  # strided, as torch.stft returns it
    if delta_shape is None:
        mel = kernels.mel_power(spec, None, fe.fbank)
        torch.testing.assert_close(mel, _mel_power(spec, fe.fbank), rtol=1e-5, atol=1e-6)
        return
    delta = (0.1 * torch.randn(delta_shape, dtype=torch.complex64, generator=g)).requires_grad_()
    mel = kernels.mel_power(spec, delta, fe.fbank)
    ref = _mel_power(spec + delta, fe.fbank)
    torch.testing.assert_close(mel, ref, rtol=1e-5, atol=1e-6)
    probe = torch.randn(ref.shape, generator=g)
    (gd,) = torch.autograd.grad((mel * probe).sum(), delta)
    (gr,) = torch.autograd.grad((ref * probe).sum(), delta)
    assert gd.shape == delta.shape
    scale = gr.abs().max()
    torch.testing.assert_close(gd / scale, gr / scale, atol=1e-5, rtol=0)


def test_native_mel_power_declines_what_it_does_not_cover():
    fe = LogMelFrontend(n_fft=64, hop_length=16, n_mels=8)
    spec = fe.stft(torch.randn(2, 200))
    per_row = torch.zeros(2, *spec.shape[1:], dtype=torch.complex64)
    assert kernels.mel_power(spec, per_row, fe.fbank) is None  # one delta per row
    assert kernels.mel_power(spec.to(torch.complex128), None, fe.fbank.double()) is None
    assert kernels.mel_power(spec.clone().requires_grad_(), None, fe.fbank) is None


@pytest.fixture
def fresh_library(monkeypatch, tmp_path):
    """An unbuilt library state with its own cache folder; restored afterwards."""
    monkeypatch.setattr(kernels, "_LIB", None)
    monkeypatch.setattr(kernels, "_TRIED", False)
    monkeypatch.setenv("TSREPROG_CACHE", str(tmp_path))
    return tmp_path


def test_missing_compiler_warns_once_and_falls_back(fresh_library, monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-xyz")
    with pytest.warns(RuntimeWarning, match="no C compiler 'no-such-compiler-xyz'"):
        assert kernels.library() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.library() is None  # decided once: no second warning
    net = _attrnn()
    x = torch.randn(2, 80, 125)
    assert not net._use_native(x)
    assert net(x).shape == (2, 36)  # PyTorch's kernels
    with pytest.raises(RuntimeError, match="native kernels are not available"):
        kernels.NativeBiLSTM.apply(torch.randn(1, 3, 80), kernels.lstm_weights(net.lstm1))


def test_native_kernels_can_be_turned_off_by_environment(fresh_library, monkeypatch):
    monkeypatch.setenv("TSREPROG_NATIVE", "0")
    assert not kernels.native_enabled()
    assert kernels.library() is None
    assert not list(fresh_library.iterdir())  # nothing built


@needs_native
def test_build_is_cached_and_atomic(fresh_library):
    lib = kernels.library()
    assert lib is not None
    files = list((fresh_library / "native").iterdir())
    assert len(files) == 1 and files[0].suffix == ".so"  # no temporary left behind
    stamp = files[0].stat().st_mtime_ns
    kernels._TRIED = False
    assert kernels.library() is not None
    assert files[0].stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_set_native_switches_every_submodule():
    from tsreprog.backbones import create_backbone

    bb = create_backbone("attrnn", weights=None, seed=0)
    kernels.set_native(bb, False)
    assert bb.network.native is False and bb.frontend.native is False
    kernels.set_native(bb, True)
    assert bb.network.native is True and bb.frontend.native is True


def test_lstms_stay_in_training_mode_which_changes_nothing_on_cpu():
    """cuDNN needs training mode for an RNN's backward; without dropout the mode is inert."""
    net = _attrnn()
    assert not net.training and net.lstm1.training and net.lstm2.training
    net.native = False
    x = torch.randn(2, 80, 125)
    out_train_lstm = net(x)
    torch.nn.Module.train(net.lstm1, False)
    torch.nn.Module.train(net.lstm2, False)
    torch.testing.assert_close(net(x), out_train_lstm, atol=0, rtol=0)
    assert net.lstm1.dropout == 0 and net.lstm2.dropout == 0


def test_unsupported_sizes_run_on_pytorch_kernels():
    net = AttRNN(n_mels=40, rnn_units=24).eval().requires_grad_(False)  # 24 units: not 16 | 24
    x = torch.randn(2, 40, 125)
    assert not net._use_native(x)
    assert net(x).shape == (2, 36)


def test_unwritable_cache_builds_in_a_temporary_folder(fresh_library, monkeypatch):
    if not kernels.native_enabled() or shutil.which(os.environ.get("CC") or "cc") is None:
        pytest.skip("native kernels off or no C compiler")
    blocker = fresh_library / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TSREPROG_CACHE", str(blocker / "sub"))  # mkdir fails, even as root
    assert kernels.library() is not None
