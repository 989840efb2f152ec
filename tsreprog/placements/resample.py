"""``resample``: the series stretched (or shrunk) to ``length`` samples, the whole window by
default."""

from __future__ import annotations

from tsreprog.placements._base import register_placement, resample_series
from tsreprog.placements.pad import Pad


@register_placement
class Resample(Pad):
    """The series resampled to ``length`` samples at the start of the window.

    With ``length=None`` the series spans the whole window, so its time course spans the
    spectrogram's frames (order kept); its values become a very slow wave, which a speech
    front end hears mostly as low-frequency energy (little timbre).

    Parameters
    ----------
    length : int or None, default=None
        Target length; ``None`` stretches every series over the whole window.
    method : {"linear", "fft"}, default="linear"
    """

    name = "resample"

    def fills_window(self) -> bool:
        return self.length is None

    def keeps_order(self) -> bool:
        return self.length is None

    def _fit_length(self, x, window):
        if self.length is None:
            return resample_series(x, window, self.method), False
        return super()._fit_length(x, window)
