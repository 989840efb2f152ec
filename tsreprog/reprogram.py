"""Input reprogramming: place a univariate series into the model's window and add a trainable θ.

``x' = place(x) + dropout(M ⊙ θ)`` with θ of shape ``(window,)`` (Voice2Series, Sec. 3.2).

Placements (:func:`place_series`):

- ``"pad"``: the series at offset 0, zeros after it (Voice2Series' default, ``seg=1``).
- ``"repeat"``: ``n_repeats`` copies at equal spacing, as Voice2Series' ``SegZeroPadding1D``:
  ``k = window // L`` slots, copy ``j`` starts at ``j * (k // m) * L``. ``n_repeats="fill"``
  tiles the series ``k`` times, so a series of length ``L`` becomes a periodic sound with
  fundamental ``sample_rate / L``.
- ``"resample"``: the series stretched (or shrunk) to ``resample_length`` samples, then padded.
- ``"am"`` / ``"fm"``: the series, stretched over the whole window and scaled to [-1, 1],
  modulates a harmonic carrier (fundamental ``carrier_hz``, harmonics with 1/k amplitudes up to
  the Nyquist frequency): ``"am"`` as log-amplitude, ``exp(mod_depth * x)``, so the log-mel
  value of the carrier's bands follows the series over time; ``"fm"`` as a pitch contour,
  fundamental ``carrier_hz * 2**(mod_depth * x)`` (``mod_depth`` in octaves). Both keep the
  series' time axis on the spectrogram's time axis, where tiling turns it into a timbre.

``resample_length`` also applies before ``"pad"``/``"repeat"`` when given. A series longer than
the window is resampled down to the window with a warning; it is never cut.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import torch
from scipy import signal
from torch import Tensor, nn

__all__ = [
    "PLACEMENTS",
    "InputReprogrammer",
    "modulate_series",
    "place_series",
    "resample_series",
]

PLACEMENTS = ("pad", "repeat", "resample", "am", "fm")
MODULATIONS = ("am", "fm")


def modulate_series(
    x: np.ndarray,
    window: int,
    sample_rate: int,
    kind: str = "fm",
    carrier_hz: float = 200.0,
    mod_depth: float = 1.0,
) -> np.ndarray:
    """Turn a series into a modulated harmonic tone of ``window`` samples.

    Parameters
    ----------
    x : 1-D array
        The series; it is stretched linearly over the window and scaled by its largest
        absolute value (a constant series gives an unmodulated tone).
    window : int
    sample_rate : int, Hz
    kind : {"am", "fm"}
    carrier_hz : float, Hz
        Fundamental of the carrier (for ``"fm"``, at ``x = 0``).
    mod_depth : float
        ``"am"``: log-amplitude swing (the envelope is ``exp(mod_depth * x)``); ``"fm"``:
        pitch swing in octaves.

    Returns
    -------
    ndarray of shape (window,), float64, peak amplitude <= 1.
    """
    if kind not in MODULATIONS:
        raise ValueError(f"modulation must be one of {MODULATIONS}, got {kind!r}")
    if not 0 < carrier_hz < sample_rate / 2:
        raise ValueError(f"carrier_hz={carrier_hz} must be in (0, {sample_rate / 2})")
    u = resample_series(np.asarray(x, dtype=np.float64), window, "linear")
    u = u - np.median(u) if kind == "fm" else u - u.mean()
    peak = np.abs(u).max()
    u = u / peak if peak > 0 else u
    if kind == "am":
        freq = np.full(window, carrier_hz)
        env = np.exp(mod_depth * u)
    else:
        freq = carrier_hz * 2.0 ** (mod_depth * u)
        env = np.ones(window)
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    n_harm = max(1, int((sample_rate / 2) // freq.max()))
    tone = sum(np.sin(k * phase) / k for k in range(1, n_harm + 1))
    wave = env * tone
    return wave / max(np.abs(wave).max(), 1e-12)


def resample_series(x: np.ndarray, length: int, method: str = "linear") -> np.ndarray:
    """Resample a 1-D series to ``length`` samples.

    ``method="linear"`` interpolates between samples (endpoints kept); ``"fft"`` uses
    :func:`scipy.signal.resample` (band-limited, assumes a periodic series).
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) == length:
        return x.copy()
    if method == "linear":
        if len(x) == 1:
            return np.full(length, x[0])
        return np.interp(np.linspace(0, len(x) - 1, length), np.arange(len(x)), x)
    if method == "fft":
        return signal.resample(x, length)
    raise ValueError(f"resample method must be 'linear' or 'fft', got {method!r}")


def _copy_offsets(length: int, window: int, n_repeats: int | str) -> list[int]:
    slots = window // length
    if n_repeats == "fill":
        m = slots
    else:
        m = int(n_repeats)
        if m > slots:
            warnings.warn(
                f"{m} copies of a series of length {length} do not fit in a window of {window} "
                f"samples; using {slots} (the most that fit without overlap)",
                stacklevel=4,
            )
            m = slots
    spacing = slots // m
    return [j * spacing * length for j in range(m)]


def place_series(
    series: Sequence[np.ndarray],
    window: int,
    placement: str = "pad",
    n_repeats: int | str = 1,
    resample_length: int | None = None,
    resample_method: str = "linear",
    sample_rate: int = 16000,
    carrier_hz: float = 200.0,
    mod_depth: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Place univariate series into a window.

    Parameters
    ----------
    series : sequence of 1-D arrays
        Series of any lengths (each placed on its own).
    window : int
        Samples of the model's input window.
    placement : {"pad", "repeat", "resample", "am", "fm"}
    n_repeats : int or "fill"
        Copies for ``"repeat"``.
    resample_length : int or None
        Resample each series to this length first (required meaning for ``"resample"``;
        ``None`` there means the whole window).
    resample_method : {"linear", "fft"}
    sample_rate, carrier_hz, mod_depth
        For ``"am"`` / ``"fm"`` (see :func:`modulate_series`).

    Returns
    -------
    placed : ndarray of shape (n_series, window), float32
    occupied : ndarray of shape (n_series, window), bool
        Where a copy of the series sits (``M = ~occupied`` in the paper's notation).
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    if placement == "resample" and resample_length is None:
        resample_length = window
    if resample_length is not None and not 1 <= resample_length <= window:
        raise ValueError(
            f"resample_length={resample_length} must be between 1 and the window ({window})"
        )
    n = len(series)
    placed = np.zeros((n, window), dtype=np.float32)
    occupied = np.zeros((n, window), dtype=bool)
    if placement in MODULATIONS:
        for i, x in enumerate(series):
            placed[i] = modulate_series(x, window, sample_rate, placement, carrier_hz, mod_depth)
        occupied[:] = True
        return placed, occupied
    too_long = 0
    for i, x in enumerate(series):
        x = np.asarray(x, dtype=np.float64)
        if resample_length is not None:
            x = resample_series(x, resample_length, resample_method)
        elif len(x) > window:
            too_long += 1
            x = resample_series(x, window, resample_method)
        L = len(x)
        offsets = _copy_offsets(L, window, n_repeats) if placement == "repeat" else [0]
        for off in offsets:
            placed[i, off : off + L] += x
            occupied[i, off : off + L] = True
    if too_long:
        warnings.warn(
            f"{too_long} series are longer than the {window}-sample window and were resampled "
            "down to fit (never truncated); pass resample_length to choose the length",
            stacklevel=2,
        )
    return placed, occupied


class InputReprogrammer(nn.Module):
    """Trainable additive perturbation θ over the model's input window.

    Parameters
    ----------
    window : int
        Samples of the input window (16000 for 1 s at 16 kHz).
    mask : bool
        Zero θ where the series sits (the paper's ``M``); the released V2S code does not.
    dropout : float in [0, 1)
        Dropout on θ during training only; one mask per step, shared by the batch (θ is one
        vector, as in Voice2Series' ``ARTLayer``). Never applied in eval mode.
    init : {"glorot", "zeros"}
        Glorot-uniform is Keras' default, ``U(±sqrt(6 / (window + 1)))``.
    generator : torch.Generator or None
        CPU generator for θ's initialisation and the dropout masks; ``None`` uses torch's
        global RNG. A fit passes its own, so fits in parallel threads stay reproducible.

    Shapes
    ------
    ``placed (batch, window)``, ``occupied (batch or 1, window)`` -> ``(batch, window)``;
    autograd: yes, to θ.
    """

    def __init__(
        self,
        window: int = 16000,
        mask: bool = False,
        dropout: float = 0.0,
        init: str = "glorot",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.window = window
        self.mask = mask
        self.dropout = dropout
        theta = torch.zeros(window)
        if init == "glorot":
            bound = math.sqrt(6.0 / (window + 1))
            theta.uniform_(-bound, bound, generator=generator)
        elif init != "zeros":
            raise ValueError(f"init must be 'glorot' or 'zeros', got {init!r}")
        self.theta = nn.Parameter(theta)
        self.enabled = True
        self.generator = generator

    def sample_dropout_mask(self) -> Tensor | None:
        """One step's dropout mask for θ, ``(1, window)`` of 0 and ``1/(1-p)``; None if unused.

        Drawing it once and passing it to :meth:`perturbation` lets several threads that each
        compute part of a mini-batch share the same mask.
        """
        if not (self.training and self.dropout > 0 and self.enabled):
            return None
        if self.generator is None:
            keep = torch.rand(1, self.window, device=self.theta.device) >= self.dropout
        else:  # drawn on the CPU generator, then moved: the same masks on every device
            keep = (torch.rand(1, self.window, generator=self.generator) >= self.dropout).to(
                self.theta.device
            )
        return keep.to(self.theta.dtype) / (1.0 - self.dropout)

    def perturbation(
        self, occupied: Tensor | None = None, dropout_mask: Tensor | None = None
    ) -> Tensor:
        """Effective perturbation ``dropout(M ⊙ θ)``: shape (1, window) or (batch, window).

        ``dropout_mask`` (from :meth:`sample_dropout_mask`) replaces a freshly drawn mask.
        """
        theta = self.theta.unsqueeze(0)
        if not self.enabled:
            return torch.zeros_like(theta)
        if self.training and self.dropout > 0:
            if dropout_mask is None:
                dropout_mask = self.sample_dropout_mask()
            theta = theta * dropout_mask
        if self.mask and occupied is not None:
            theta = theta * (~occupied).to(theta.dtype)
        return theta

    def forward(
        self, placed: Tensor, occupied: Tensor | None = None, dropout_mask: Tensor | None = None
    ) -> Tensor:
        return placed + self.perturbation(occupied, dropout_mask)

    def extra_repr(self) -> str:
        return f"window={self.window}, mask={self.mask}, dropout={self.dropout}"
