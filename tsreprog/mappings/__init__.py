"""Label mappings: from the backbone's source classes to the task's classes (the last stage).

Every module in this package that does not start with ``_`` is an entry and is imported here,
so adding a mapping is adding one file (see :class:`Mapping`).
"""

from __future__ import annotations

from tsreprog._entries import import_entries
from tsreprog.mappings._assign import assign_many_to_one, greedy_assignment
from tsreprog.mappings._base import Mapping, get_mapping, list_mappings, register_mapping

import_entries(__name__, __path__)

from tsreprog.mappings.linear import Linear, LinearMapping  # noqa: E402
from tsreprog.mappings.many_to_one import ManyToOne, ManyToOneMapping  # noqa: E402

__all__ = [
    "Linear",
    "LinearMapping",
    "ManyToOne",
    "ManyToOneMapping",
    "Mapping",
    "assign_many_to_one",
    "get_mapping",
    "greedy_assignment",
    "list_mappings",
    "register_mapping",
]
