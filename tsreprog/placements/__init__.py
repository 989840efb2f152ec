"""Placements: how a series enters the backbone's input window (the first stage).

Every module in this package that does not start with ``_`` is an entry and is imported here,
so adding a placement is adding one file (see :class:`Placement`).
"""

from __future__ import annotations

from tsreprog._entries import import_entries
from tsreprog.placements._base import (
    Placement,
    get_placement,
    list_placements,
    place_series,
    register_placement,
    resample_series,
)

import_entries(__name__, __path__)

from tsreprog.placements.modulation import AM, FM, modulate_series  # noqa: E402
from tsreprog.placements.pad import Pad  # noqa: E402
from tsreprog.placements.repeat import Repeat  # noqa: E402
from tsreprog.placements.resample import Resample  # noqa: E402

__all__ = [
    "AM",
    "FM",
    "Pad",
    "Placement",
    "Repeat",
    "Resample",
    "get_placement",
    "list_placements",
    "modulate_series",
    "place_series",
    "register_placement",
    "resample_series",
]
