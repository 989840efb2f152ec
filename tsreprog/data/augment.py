"""Signal-level augmentation of synthesized speech clips (used by :mod:`tsreprog.data.synth`).

Every function takes its random numbers from a :class:`numpy.random.Generator` passed in, so a
clip's augmentation follows from the clip's seed alone, and returns the parameters it drew so
that the synthesizer can record them.

* :func:`warp_and_stretch` -- vocal-tract-length perturbation (VTLP, Jaitly & Hinton 2013, in
  its linear form: every frequency is scaled by ``alpha``) and tempo change (duration scaled by
  ``1 / tempo`` at unchanged pitch). Resampling (soxr) scales the frequencies and the duration
  together; a phase vocoder (:func:`torchaudio.functional.phase_vocoder`) then sets the duration.
* :func:`room_impulse_response` -- a simulated shoebox room (pyroomacoustics' image-source
  method, Allen & Berkley 1979): random size, reverberation time (absorption from Sabine's
  formula, :func:`pyroomacoustics.inverse_sabine`), source and microphone positions.
* :func:`colored_noise`, :func:`mains_hum`, :func:`babble` -- background noises. The colours
  are shaped in the FFT domain and the hum is a sum of sines: both are a few lines of numpy,
  simpler than a dependency. Babble sums other clips of the corpus.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "babble",
    "colored_noise",
    "mains_hum",
    "reverberate",
    "room_impulse_response",
    "warp_and_stretch",
]

_PRA_MISSING = (
    "room reverberation needs pyroomacoustics; install it with `pip install pyroomacoustics` "
    "(or `pip install 'tsreprog[corpus]'`), or synthesize without augmentation"
)


def colored_noise(rng: np.random.Generator, n: int, color: str) -> np.ndarray:
    """Unit-RMS white, pink (1/f power) or brown (1/f^2 power) noise of ``n`` samples."""
    x = rng.standard_normal(n)
    if color != "white":
        spec = np.fft.rfft(x)
        f = np.arange(spec.size, dtype=np.float64)
        f[0] = 1.0
        spec /= f ** (0.5 if color == "pink" else 1.0)
        spec[0] = 0.0
        x = np.fft.irfft(spec, n)
    rms = float(np.sqrt(np.mean(x**2)))
    return x / rms if rms > 0 else x


def mains_hum(rng: np.random.Generator, n: int, sample_rate: int) -> tuple[np.ndarray, dict]:
    """Unit-RMS mains hum: 50 or 60 Hz and 2-5 harmonics (amplitude ~ 1/k^d, random phases)."""
    f0 = float(rng.choice([50.0, 60.0]))
    n_harm = int(rng.integers(2, 6))
    decay = float(rng.uniform(0.5, 1.5))
    t = np.arange(n) / sample_rate
    x = np.zeros(n)
    for k in range(1, n_harm + 1):
        x += np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k**decay
    x /= float(np.sqrt(np.mean(x**2)))
    return x, {"hum_hz": f0, "harmonics": n_harm, "decay": round(decay, 3)}


def babble(
    rng: np.random.Generator, n: int, sources: Sequence[tuple[str, np.ndarray]], k: int
) -> tuple[np.ndarray, list[str]]:
    """Unit-RMS babble: ``k`` of the ``(name, clean speech)`` sources at random offsets/gains.

    A source may start before the window or end after it (as overlapping talkers do).
    """
    picks = rng.choice(len(sources), size=min(k, len(sources)), replace=False)
    x = np.zeros(n)
    names = []
    for i in sorted(int(p) for p in picks):
        name, s = sources[i]
        s = s[:n]
        start = int(rng.integers(-(s.size // 2), n - s.size // 2 + 1))
        gain = float(rng.uniform(0.3, 1.0))
        a, b = max(0, start), min(n, start + s.size)
        x[a:b] += gain * s[a - start : b - start]
        names.append(name)
    rms = float(np.sqrt(np.mean(x**2)))
    return (x / rms if rms > 0 else x), names


def warp_and_stretch(
    x: np.ndarray,
    in_rate: float,
    sample_rate: int,
    alpha: float,
    tempo: float,
    speed: float = 1.0,
) -> np.ndarray:
    """Scale all frequencies by ``alpha * speed`` and the duration by ``1 / (tempo * speed)``.

    ``x`` is sampled at ``in_rate``; the result (float64) at ``sample_rate``. ``speed`` is a
    tape-speed change (pitch, formants and tempo together), ``alpha`` a vocal-tract-length
    (spectral) warp at constant duration, ``tempo`` a duration change at constant spectrum.
    """
    import soxr
    import torch
    from torchaudio.functional import phase_vocoder

    y = soxr.resample(np.asarray(x, dtype=np.float64), in_rate * speed * alpha, sample_rate)
    rate = tempo / alpha  # phase-vocoder rate: > 1 shortens
    if abs(rate - 1.0) < 1e-6 or y.size < 1024:
        return y
    n_fft, hop = 512, 128
    window = torch.hann_window(n_fft, dtype=torch.float64)
    spec = torch.stft(
        torch.from_numpy(y), n_fft, hop, window=window, center=True, return_complex=True
    )
    advance = torch.linspace(0, math.pi * hop, spec.shape[0], dtype=torch.float64)[..., None]
    stretched = phase_vocoder(spec, rate, advance)
    length = int(round(y.size / rate))
    out = torch.istft(stretched, n_fft, hop, window=window, center=True, length=length)
    return out.numpy()


def room_impulse_response(
    rng: np.random.Generator,
    sample_rate: int,
    rt60_range: tuple[float, float] = (0.15, 0.7),
    max_order: int = 25,
) -> tuple[np.ndarray, dict]:
    """Impulse response of a random shoebox room, starting at its direct path.

    Room: length 3-10 m, width 3-8 m, height 2.4-4 m; reverberation time drawn from
    ``rt60_range`` (wall absorption from Sabine's formula; a room too large for the drawn
    reverberation time, which would need an absorption above 1, is drawn again); source and
    microphone uniformly inside, at least 0.5 m from every wall and from each other. The
    image-source order is capped at ``max_order`` (higher orders cost much more and add
    little to a 1-s clip).
    """
    try:
        import pyroomacoustics as pra
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise RuntimeError(_PRA_MISSING) from e
    redraws = 0
    while True:  # a large room cannot be as dry as a short RT60 asks: draw another room
        dims = np.array(
            [rng.uniform(3.0, 10.0), rng.uniform(3.0, 8.0), rng.uniform(2.4, 4.0)], dtype=float
        )
        rt60 = float(rng.uniform(*rt60_range))
        try:
            absorption, order = pra.inverse_sabine(rt60, dims)
            break
        except ValueError:  # "room may be too large for required RT60"
            redraws += 1
            if redraws > 100:  # pragma: no cover - only with a tiny rt60_range
                raise ValueError(f"no room of the drawn sizes reaches RT60 {rt60_range}") from None
    order = int(min(order, max_order))
    margin = 0.5
    while True:
        src = margin + rng.random(3) * (dims - 2 * margin)
        mic = margin + rng.random(3) * (dims - 2 * margin)
        if np.linalg.norm(src - mic) >= 0.5:
            break
    room = pra.ShoeBox(
        dims.tolist(),
        fs=sample_rate,
        materials=pra.Material(float(absorption)),
        max_order=order,
        air_absorption=False,
    )
    room.add_source(src.tolist())
    room.add_microphone(mic.tolist())
    room.compute_rir()
    rir = np.asarray(room.rir[0][0], dtype=np.float64)
    start = max(0, int(np.argmax(np.abs(rir))) - 20)  # keep the direct path's filter onset
    rir = rir[start:]
    rir /= float(np.max(np.abs(rir)))
    info = {
        "room_m": [round(float(d), 3) for d in dims],
        "rt60_s": round(rt60, 3),
        "absorption": round(float(absorption), 4),
        "max_order": order,
        "source_m": [round(float(v), 3) for v in src],
        "mic_m": [round(float(v), 3) for v in mic],
    }
    if redraws:  # recorded only when it happened
        info["room_redraws"] = redraws
    return rir, info


def reverberate(x: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """``x`` convolved with ``rir``, cut to ``x``'s length."""
    from scipy.signal import fftconvolve

    return fftconvolve(x, rir)[: x.size]
