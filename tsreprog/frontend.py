"""The log-mel front end of the de Andrade et al. (2018) attention-RNN, on torchaudio.

The constants reproduce kapre 0.2.0 as used by Voice2Series (see ``shared/reference/v2s.md``):
STFT with ``n_fft=1024``, ``hop=128``, a periodic Hann window and 448 zero samples on each side
(125 frames for a 16,000-sample input), power spectrum, 80 Slaney mel bands from 40 to 8000 Hz,
square root, ``10*log10(max(x, 1e-10))``, minus each sample's own maximum, clamp at -80 dB and
per-sample standardisation (population standard deviation).

The maths lives in pure functions (:func:`stft`, :func:`logmel_from_stft`, :func:`logmel`); the
:class:`LogMelFrontend` module only holds the configuration, the window and the mel filterbank
as buffers.

Because the STFT is linear, ``stft(a + b) == stft(a) + stft(b)``. The fast training path of
:class:`tsreprog.model.ReprogrammedModel` relies on this: the spectrum of the placed series is
computed without gradient and the spectrum of the perturbation once per step, for the whole
batch, and they are added before the non-linear part (:func:`logmel_from_stft`).
"""

from __future__ import annotations

import torch
import torchaudio.functional as AF
from torch import Tensor, nn

from tsreprog import kernels

__all__ = ["LogMelFrontend", "logmel", "logmel_from_stft", "stft"]


def stft(wave: Tensor, window: Tensor, n_fft: int, hop_length: int, pad: int) -> Tensor:
    """Complex short-time Fourier transform with explicit zero padding.

    Parameters
    ----------
    wave : Tensor of shape (..., samples)
    window : Tensor of shape (n_fft,)
    n_fft, hop_length : int
    pad : int
        Zeros added on each side before framing (kapre's TF ``'same'`` padding; 448 for 16 kHz).

    Returns
    -------
    Tensor of shape (..., n_fft // 2 + 1, frames), complex.
    """
    return AF.spectrogram(
        wave,
        pad=pad,
        window=window,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=n_fft,
        power=None,
        normalized=False,
        center=False,
    )


def _to_mel(power: Tensor, fbank: Tensor) -> Tensor:
    """``power (batch, F, T) -> (batch, n_mels, T)`` through the filterbank ``(F, n_mels)``."""
    return torch.matmul(power.transpose(-1, -2), fbank).transpose(-1, -2)


def _mel_power(spec: Tensor, fbank: Tensor) -> Tensor:
    """``|spec|^2`` through the mel filterbank: ``(batch, F, T) complex -> (batch, n_mels, T)``."""
    return _to_mel(spec.real.square() + spec.imag.square(), fbank)


class _MelPowerOfSum(torch.autograd.Function):
    """``_mel_power(spec + delta)`` with a gradient for ``delta`` only, written out by hand.

    ``spec (batch, F, T)`` needs no gradient; ``delta`` is ``(F, T)``, ``(1, F, T)`` or
    ``(batch, F, T)``. Backward: ``d power = fbank @ d mel`` and, for a real loss,
    ``d delta = 2 * d power * (spec + delta)`` summed over the rows that share ``delta``: two
    passes over the batch's spectra, where autograd's generic graph (real and imaginary parts,
    squares, broadcast add) makes about ten. Same values as autograd up to float rounding
    (``tests/test_frontend.py``).
    """

    @staticmethod
    def forward(ctx, spec: Tensor, delta: Tensor, fbank: Tensor) -> Tensor:
        s = torch.view_as_real(spec + delta)
        power = torch.addcmul(s[..., 0].square(), s[..., 1], s[..., 1])
        ctx.save_for_backward(s, fbank)
        ctx.delta_shape = delta.shape
        return _to_mel(power, fbank)

    @staticmethod
    def backward(ctx, dmel: Tensor):
        s, fbank = ctx.saved_tensors
        b, m, t = dmel.shape
        # d power = fbank @ d mel as one (F, M) @ (M, batch * T) product: a broadcast matmul
        # would run a batched product over copies of the filterbank (measured 1.0 vs 2.7 ms)
        dpower = torch.mm(fbank, dmel.transpose(0, 1).reshape(m, b * t))
        grad = dpower.view(-1, b, t).transpose(0, 1).unsqueeze(-1) * s  # (batch, F, T, 2)
        shape = ctx.delta_shape
        if len(shape) == 2 or shape[0] != b:  # delta is shared by the batch's rows
            grad = grad.sum(0)
        grad = torch.view_as_complex(grad.mul_(2).contiguous())
        return None, grad.reshape(shape), None


def _db_normalise(mel: Tensor, amin: float, top_db: float, eps: float) -> Tensor:
    # kapre's power_melgram=1.0: sqrt of the mel-of-power; the log of a sqrt is half the log.
    db = 5.0 * torch.log10(torch.clamp(mel, min=amin * amin))
    db = db - db.amax(dim=(-2, -1), keepdim=True)
    db = torch.clamp(db, min=-top_db)
    mean = db.mean(dim=(-2, -1), keepdim=True)
    std = db.std(dim=(-2, -1), keepdim=True, correction=0)
    return (db - mean) / (std + eps)


def logmel_from_stft(
    spec: Tensor,
    fbank: Tensor,
    amin: float = 1e-10,
    top_db: float = 80.0,
    eps: float = 1e-10,
    delta: Tensor | None = None,
    native: bool = True,
) -> Tensor:
    """Normalised log-mel features from a complex spectrum; each sample is treated alone.

    Parameters
    ----------
    spec : Tensor of shape (batch, n_freqs, frames), complex
    fbank : Tensor of shape (n_freqs, n_mels)
        Mel filterbank (``torchaudio.functional.melscale_fbanks`` layout).
    amin : float
        Floor before the logarithm.
    top_db : float
        Values more than ``top_db`` below the sample's maximum are clamped.
    eps : float
        Added to the standard deviation.
    delta : Tensor, optional, complex
        A spectrum added to ``spec`` first, of shape ``(n_freqs, frames)``, ``(1, ...)`` or
        ``(batch, ...)``. When ``spec`` needs no gradient and ``delta`` does, the sum's
        power spectrum has a hand-written backward pass (:class:`_MelPowerOfSum`).
    native : bool
        Use the fused C kernel of :func:`tsreprog.kernels.mel_power` where it applies (on CPU,
        ``spec`` without gradient, ``delta`` shared by the batch); ``False``: PyTorch's ops.

    Returns
    -------
    Tensor of shape (batch, n_mels, frames)
        Standardised per sample (mean 0, population std 1 over mel x time).

    Notes
    -----
    The per-sample maximum is the reference of the dB scale, so adding a perturbation to the
    input moves the reference too; the output does not depend on the other batch members.
    """
    return _db_normalise(_mel_power_dispatch(spec, fbank, delta, native), amin, top_db, eps)


def _mel_power_dispatch(spec: Tensor, fbank: Tensor, delta: Tensor | None, native: bool) -> Tensor:
    """The mel power of ``spec (+ delta)`` by the fastest computation that applies."""
    mel = kernels.mel_power(spec, delta, fbank) if native else None
    if mel is not None:
        return mel
    if delta is None:
        return _mel_power(spec, fbank)
    if spec.requires_grad or not delta.requires_grad:
        return _mel_power(spec + delta, fbank)
    return _MelPowerOfSum.apply(spec, delta, fbank)


def logmel(
    wave: Tensor, window: Tensor, fbank: Tensor, n_fft: int, hop_length: int, pad: int
) -> Tensor:
    """Log-mel features of waveforms: ``wave (batch, samples) -> (batch, n_mels, frames)``."""
    return logmel_from_stft(stft(wave, window, n_fft, hop_length, pad), fbank)


class LogMelFrontend(nn.Module):
    """Frozen log-mel front end (kapre 0.2.0 constants by default).

    Parameters
    ----------
    sample_rate : int, Hz
    n_fft : int
    hop_length : int
    pad : int or None
        Zeros on each side; ``None`` gives ``(n_fft - hop_length) // 2`` (448 for the defaults).
    n_mels : int
    f_min, f_max : float, Hz
        ``f_max=None`` gives ``sample_rate / 2``.

    Shapes
    ------
    ``wave (batch, samples) -> logmel (batch, n_mels, frames)``; autograd: yes, to the input.
    Devices: CPU, CUDA.
    """

    def __init__(
        self,
        sample_rate: int = 16000,
        n_fft: int = 1024,
        hop_length: int = 128,
        pad: int | None = None,
        n_mels: int = 80,
        f_min: float = 40.0,
        f_max: float | None = 8000.0,
    ) -> None:
        super().__init__()
        f_max = sample_rate / 2 if f_max is None else f_max
        if not 0 <= f_min < f_max <= sample_rate / 2:
            raise ValueError(
                f"need 0 <= f_min < f_max <= sample_rate/2, got f_min={f_min}, f_max={f_max}, "
                f"sample_rate={sample_rate}"
            )
        if hop_length <= 0 or n_fft <= 0 or hop_length > n_fft:
            raise ValueError(f"need 0 < hop_length <= n_fft, got {hop_length=} and {n_fft=}")
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.pad = (n_fft - hop_length) // 2 if pad is None else pad
        self.n_mels = n_mels
        self.f_min = f_min
        self.f_max = f_max
        self.register_buffer("window", torch.hann_window(n_fft, periodic=True), persistent=False)
        fb = AF.melscale_fbanks(
            n_freqs=n_fft // 2 + 1,
            f_min=f_min,
            f_max=f_max,
            n_mels=n_mels,
            sample_rate=sample_rate,
            norm="slaney",
            mel_scale="slaney",
        )
        self.register_buffer("fbank", fb, persistent=False)
        #: fused C kernel for the mel power where it applies (``tsreprog.kernels``)
        self.native = True

    def n_frames(self, samples: int) -> int:
        """Number of frames for an input of ``samples`` samples."""
        return (samples + 2 * self.pad - self.n_fft) // self.hop_length + 1

    def stft(self, wave: Tensor) -> Tensor:
        """``wave (..., samples) -> complex spectrum (..., n_fft//2+1, frames)``."""
        return stft(wave, self.window, self.n_fft, self.hop_length, self.pad)

    def from_stft(self, spec: Tensor, delta: Tensor | None = None) -> Tensor:
        """``complex spectrum (batch, freqs, frames) -> logmel (batch, n_mels, frames)``.

        ``delta``: a spectrum added first (see :func:`logmel_from_stft`).
        """
        return logmel_from_stft(spec, self.fbank, delta=delta, native=getattr(self, "native", True))

    def forward(self, wave: Tensor) -> Tensor:
        return self.from_stft(self.stft(wave))

    def extra_repr(self) -> str:
        return (
            f"sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length}, "
            f"pad={self.pad}, n_mels={self.n_mels}, f_min={self.f_min}, f_max={self.f_max}"
        )
