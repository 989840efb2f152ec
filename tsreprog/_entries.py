"""What the stage registries (placements, mappings, backbones) share: a name -> class table
and the import of every entry module of a package."""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["ClassRegistry", "import_entries"]


def import_entries(package: str, path) -> None:
    """Import every module of ``package`` (at ``path``) whose name does not start with ``_``:
    importing an entry registers it, so a new entry is one new file."""
    for mod in pkgutil.iter_modules(path):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{package}.{mod.name}")


class ClassRegistry:
    """Classes by their ``name`` attribute; ``kind`` (``"placement"``) names them in errors.

    ``base`` is the class every entry derives from; :meth:`get` accepts a name (the entry
    with its default parameters) or a configured ``base`` instance.
    """

    def __init__(self, kind: str, base: type) -> None:
        self.kind = kind
        self.base = base
        self._classes: dict[str, type] = {}

    def register(self, cls: type) -> type:
        """Class decorator: make ``cls`` available by ``cls.name``."""
        if not cls.name:
            raise TypeError(f"{cls.__name__} needs a class attribute `name`")
        if self._classes.get(cls.name, cls) is not cls:
            raise ValueError(f"{self.kind} {cls.name!r} is already registered")
        self._classes[cls.name] = cls
        return cls

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get(self, spec):
        if isinstance(spec, self.base):
            return spec
        if isinstance(spec, str) and spec in self._classes:
            return self._classes[spec]()
        raise ValueError(
            f"{self.kind} must be one of {self.names()} or a {self.base.__name__} instance, "
            f"got {spec!r}"
        )
