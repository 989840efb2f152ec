"""``repeat``: copies of the series at equal spacing, as Voice2Series' ``SegZeroPadding1D``."""

from __future__ import annotations

import warnings
from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from tsreprog.placements._base import register_placement
from tsreprog.placements.pad import Pad


@register_placement
class Repeat(Pad):
    """``n_repeats`` copies of the series at equal spacing.

    With ``k = window // L`` slots for a series of length ``L``, copy ``j`` starts at
    ``j * (k // n_repeats) * L``. ``n_repeats="fill"`` tiles the series ``k`` times, so it
    becomes a periodic sound with fundamental ``sample_rate / L``: the series' shape becomes
    the timbre of that sound, audible in every frame, while the order of its events is lost
    (a series and its reverse give nearly the same log-mel features).

    Parameters
    ----------
    n_repeats : int or "fill", default="fill"
        Number of copies; more than fit is reduced to the most that fit, with a warning.
    length : int or None, default=None
        Resample every series to this length first (see :class:`Pad`).
    method : {"linear", "fft"}, default="linear"
    """

    name = "repeat"
    _parameter_constraints = {
        **Pad._parameter_constraints,
        "n_repeats": [Interval(Integral, 1, None, closed="left"), StrOptions({"fill"})],
    }

    def __init__(
        self, n_repeats: int | str = "fill", length: int | None = None, method: str = "linear"
    ) -> None:
        self.n_repeats = n_repeats
        self.length = length
        self.method = method

    def _offsets(self, length: int, window: int) -> list[int]:
        slots = window // length
        if self.n_repeats == "fill":
            m = slots
        else:
            m = int(self.n_repeats)
            if m > slots:
                warnings.warn(
                    f"{m} copies of a series of length {length} do not fit in a window of "
                    f"{window} samples; using {slots} (the most that fit without overlap)",
                    stacklevel=5,
                )
                m = slots
        spacing = slots // m
        return [j * spacing * length for j in range(m)]
