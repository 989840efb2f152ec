"""``am`` / ``fm``: the series modulates a harmonic carrier over the whole window.

The series, stretched over the window and scaled to [-1, 1], drives the carrier's
log-amplitude (``am``: ``exp(depth * x)``, so the log-mel value of the carrier's bands
follows the series over time) or its pitch (``fm``: fundamental ``carrier_hz * 2**(depth * x)``,
``depth`` in octaves). Both keep the series' time axis on the spectrogram's time axis, where
tiling turns it into a timbre. Neither is linear in the series, and both fill the window.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from tsreprog.placements._base import Placement, register_placement, resample_series

__all__ = ["AM", "FM", "modulate_series"]


def modulate_series(
    x: np.ndarray,
    window: int,
    sample_rate: int,
    kind: str = "fm",
    carrier_hz: float = 200.0,
    depth: float = 1.0,
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
        Fundamental of the carrier (for ``"fm"``, at ``x = 0``); harmonics with 1/k amplitudes
        up to the Nyquist frequency.
    depth : float
        ``"am"``: log-amplitude swing; ``"fm"``: pitch swing in octaves.

    Returns
    -------
    ndarray of shape (window,), float64, peak amplitude <= 1.
    """
    if kind not in ("am", "fm"):
        raise ValueError(f"modulation must be 'am' or 'fm', got {kind!r}")
    if not 0 < carrier_hz < sample_rate / 2:
        raise ValueError(f"carrier_hz={carrier_hz} must be in (0, {sample_rate / 2})")
    u = resample_series(np.asarray(x, dtype=np.float64), window, "linear")
    u = u - np.median(u) if kind == "fm" else u - u.mean()
    peak = np.abs(u).max()
    u = u / peak if peak > 0 else u
    if kind == "am":
        freq = np.full(window, carrier_hz)
        env = np.exp(depth * u)
    else:
        freq = carrier_hz * 2.0 ** (depth * u)
        env = np.ones(window)
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    n_harm = max(1, int((sample_rate / 2) // freq.max()))
    tone = sum(np.sin(k * phase) / k for k in range(1, n_harm + 1))
    wave = env * tone
    return wave / max(np.abs(wave).max(), 1e-12)


class _Carrier(Placement):
    linear = False
    _parameter_constraints = {
        "carrier_hz": [Interval(Real, 0, None, closed="neither")],
        "depth": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, carrier_hz: float = 200.0, depth: float = 1.0) -> None:
        self.carrier_hz = carrier_hz
        self.depth = depth

    def fills_window(self) -> bool:
        return True

    def keeps_order(self) -> bool:
        return True

    def check(self, window: int, sample_rate: int) -> None:
        super().check(window, sample_rate)
        if not self.carrier_hz < sample_rate / 2:
            raise ValueError(
                f"{self.name}: carrier_hz={self.carrier_hz} is not below the backbone's Nyquist "
                f"frequency ({sample_rate / 2} Hz); use a lower carrier_hz"
            )

    def _place_one(self, x, window, sample_rate):
        wave = modulate_series(x, window, sample_rate, self.name, self.carrier_hz, self.depth)
        return wave, np.ones(window, dtype=bool), False


@register_placement
class AM(_Carrier):
    """The series as the log-amplitude envelope of a harmonic tone.

    Parameters
    ----------
    carrier_hz : float, default=200.0
        Fundamental of the carrier in Hz.
    depth : float >= 0, default=1.0
        Log-amplitude swing: the envelope is ``exp(depth * x)`` for ``x`` in [-1, 1].
    """

    name = "am"


@register_placement
class FM(_Carrier):
    """The series as the pitch contour of a harmonic tone.

    Parameters
    ----------
    carrier_hz : float, default=200.0
        Fundamental in Hz at the series' median.
    depth : float >= 0, default=1.0
        Pitch swing in octaves: the fundamental is ``carrier_hz * 2**(depth * x)``.
    """

    name = "fm"
