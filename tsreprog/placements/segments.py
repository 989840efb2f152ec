"""``segments``: overlapping pieces of the series, each tiled over its own part of the window.

Tiling the whole series (``repeat``) turns its shape into one timbre, heard in every frame:
the order of its events is lost. Here the series is cut into ``n_segments`` overlapping
pieces, in order, and piece ``k`` is tiled over the ``k``-th of ``n_segments`` equal parts of
the window. The spectrogram then shows each piece's timbre in the series' order: a short-time
view of the series, at the resolution of its pieces.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from tsreprog.placements._base import Placement, register_placement

__all__ = ["Segments"]


@register_placement
class Segments(Placement):
    """The series in ``n_segments`` overlapping pieces, each tiled over its own part.

    Piece ``k`` (``k = 0 .. n_segments - 1``) holds ``round(L / (1 + (n_segments - 1) * (1 -
    overlap)))`` samples of a series of length ``L`` (at least 2), its start spread evenly from
    0 to the last possible start; it is repeated to fill samples ``[k * W, (k + 1) * W)`` of the
    window, ``W = window // n_segments`` (the last few samples of an uneven split stay zero).

    Keeps: each piece's shape as a timbre, and the order of the pieces: a series whose peak
    comes early sounds different from one whose peak comes late (the ramp-and-drop of
    ``keeps_order``'s test and its reverse differ by 0.12 to 0.32 in mean absolute log-mel
    difference for 4 to 16 pieces). Loses: the order of events inside a piece, and a piece's
    level (a piece that rises steadily tiles into the same spectrum as one that falls), so a
    straight ramp and its reverse still sound alike. Linear in the series (copies of samples).

    Parameters
    ----------
    n_segments : int >= 1, default=8
        Pieces and parts of the window; ``1`` tiles the whole series (as ``repeat``).
    overlap : float in [0, 1), default=0.5
        Share of a piece that the next piece repeats.
    """

    name = "segments"
    linear = True
    _parameter_constraints = {
        "n_segments": [Interval(Integral, 1, None, closed="left")],
        "overlap": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, n_segments: int = 8, overlap: float = 0.5) -> None:
        self.n_segments = n_segments
        self.overlap = overlap

    def fills_window(self) -> bool:
        return True

    def keeps_order(self) -> bool:
        return self.n_segments > 1

    def check(self, window: int, sample_rate: int) -> None:
        super().check(window, sample_rate)
        if self.n_segments > window // 2:
            raise ValueError(
                f"segments: n_segments={self.n_segments} leaves fewer than 2 samples per part of "
                f"the {window}-sample window; use n_segments <= {window // 2}"
            )

    def pieces(self, length: int) -> tuple[int, np.ndarray]:
        """``(piece_length, starts)`` for a series of ``length`` samples."""
        k = self.n_segments
        piece = int(round(length / (1 + (k - 1) * (1 - self.overlap))))
        piece = min(length, max(2, piece)) if length >= 2 else 1
        starts = np.linspace(0, length - piece, k).round().astype(int)
        return piece, starts

    def _place_one(self, x, window, sample_rate):
        part = window // self.n_segments
        piece, starts = self.pieces(len(x))
        wave = np.zeros(window)
        for k, start in enumerate(starts):
            chunk = x[start : start + piece]
            reps = -(-part // len(chunk))
            wave[k * part : (k + 1) * part] = np.tile(chunk, reps)[:part]
        occ = np.zeros(window, dtype=bool)
        occ[: part * self.n_segments] = True
        return wave, occ, False
