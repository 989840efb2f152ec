import librosa
import numpy as np
import pytest
import torch

from tsreprog.frontend import LogMelFrontend, logmel_from_stft


def _librosa_reference(wave: np.ndarray) -> np.ndarray:
    """The kapre-0.2.0 chain in float64 with librosa (independent of the torch code)."""
    padded = np.pad(wave.astype(np.float64), (448, 448))
    spec = librosa.stft(padded, n_fft=1024, hop_length=128, window="hann", center=False)
    power = np.abs(spec) ** 2
    fb = librosa.filters.mel(
        sr=16000, n_fft=1024, n_mels=80, fmin=40, fmax=8000, htk=False, norm="slaney"
    )
    mel = np.sqrt(fb @ power)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db - db.max(), -80.0)
    return (db - db.mean()) / (db.std() + 1e-10)


def test_matches_librosa_on_a_chirp():
    t = np.arange(16000) / 16000
    wave = 0.5 * np.sin(2 * np.pi * (100 * t + 1900 * t**2))  # 100 Hz -> 3900 Hz chirp
    # a faint noise floor, as in any recording: without it, bands the chirp never reaches hold
    # only float32 round-off (~-140 dB), which float64 does not reproduce
    wave = wave + 1e-3 * np.random.RandomState(0).randn(16000)
    fe = LogMelFrontend()
    out = fe(torch.tensor(wave, dtype=torch.float32)[None])[0].numpy()
    ref = _librosa_reference(wave)
    assert out.shape == (80, 125) == ref.shape
    # float32 FFT round-off in the weakest bands depends on the CPU's FFT kernels: up to
    # 1.06e-4 (standardised units) in one of the 10,000 values on one of our machines
    np.testing.assert_allclose(out, ref, atol=3e-4)
    assert np.abs(out - ref).mean() < 2e-5


def test_frames_and_filterbank_shapes():
    fe = LogMelFrontend()
    assert fe.n_frames(16000) == 125
    assert fe.pad == 448
    assert tuple(fe.fbank.shape) == (513, 80)
    # constants are buffers, not parameters
    assert list(fe.parameters()) == []


def test_per_sample_output_does_not_depend_on_batch_mates():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(1, 16000, generator=g)
    b = 100 * torch.randn(3, 16000, generator=g)
    fe = LogMelFrontend()
    alone = fe(a)
    together = fe(torch.cat([a, b]))[:1]
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)


def test_standardised_and_scale_invariant():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 16000, generator=g)
    fe = LogMelFrontend()
    out = fe(x)
    torch.testing.assert_close(out.mean(dim=(1, 2)), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(1, 2), correction=0), torch.ones(2), atol=1e-4, rtol=0)
    torch.testing.assert_close(fe(3.0 * x), out, atol=1e-4, rtol=0)


def test_stft_is_linear_so_spectra_add():
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(4, 16000, generator=g), torch.randn(1, 16000, generator=g)
    fe = LogMelFrontend()
    torch.testing.assert_close(fe.stft(a + b), fe.stft(a) + fe.stft(b), atol=1e-3, rtol=1e-4)
    torch.testing.assert_close(fe.from_stft(fe.stft(a) + fe.stft(b)), fe(a + b), atol=1e-4, rtol=0)


def test_silence_gives_finite_output():
    out = logmel_from_stft(torch.zeros(1, 513, 125, dtype=torch.complex64), LogMelFrontend().fbank)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("kw", [dict(f_min=9000.0), dict(hop_length=2048), dict(f_max=9000.0)])
def test_invalid_configuration_is_rejected(kw):
    with pytest.raises(ValueError):
        LogMelFrontend(**kw)


@pytest.mark.parametrize("native", [False, True])
@pytest.mark.parametrize("delta_shape", [(33, 9), (1, 33, 9), (4, 33, 9)])
def test_hand_written_backward_of_the_perturbed_spectrum_matches_autograd(delta_shape, native):
    """_MelPowerOfSum (``native=False`` or a per-row delta) and the native fused kernel (a
    shared delta with ``native=True``) against autograd through the plain ops."""
    from tsreprog.frontend import logmel_from_stft

    g = torch.Generator().manual_seed(0)
    spec = torch.randn(4, 33, 9, dtype=torch.complex64, generator=g)
    delta0 = 0.5 * torch.randn(delta_shape, dtype=torch.complex64, generator=g)
    fbank = torch.rand(33, 6, generator=g)
    probe = torch.randn(4, 6, 9, generator=g)
    outs, grads = [], []
    for hand in (False, True):
        delta = delta0.clone().requires_grad_(True)
        if hand:  # spec needs no gradient: a hand-written backward runs
            out = logmel_from_stft(spec, fbank, delta=delta, native=native)
        else:  # the plain autograd graph
            out = logmel_from_stft(spec + delta, fbank, native=False)
        (grad,) = torch.autograd.grad((out * probe).sum(), delta)
        outs.append(out.detach())
        grads.append(grad)
    assert grads[1].shape == delta0.shape
    torch.testing.assert_close(outs[1], outs[0], atol=1e-5, rtol=0)
    scale = grads[0].abs().max()
    torch.testing.assert_close(grads[1] / scale, grads[0] / scale, atol=1e-5, rtol=0)
