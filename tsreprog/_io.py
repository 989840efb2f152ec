"""Small I/O helpers shared across the package."""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "NotPlainDataError",
    "atomic_write",
    "atomic_write_text",
    "check_output_path",
    "load_plain_torch",
]


def atomic_write(path: str | os.PathLike, write: Callable, mode: str = "wb") -> None:
    """Write a file through ``write(fileobj)`` to a temporary name, then rename it into place.

    A crash or Ctrl-C leaves either the old file or the complete new one, never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) atomically to ``path``."""
    atomic_write(path, lambda f: f.write(text), mode="w")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``getrusage`` ``ru_maxrss``)."""
    import resource
    import sys

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 2**20 if sys.platform == "darwin" else kb / 1024


class NotPlainDataError(ValueError):
    """A torch file that ``torch.load(weights_only=True)`` refuses: it names objects that are
    not tensors or plain containers (loading it fully could run code), or it is not a torch
    file at all."""


def load_plain_torch(path: str | os.PathLike, refused: str):
    """``torch.load(path, weights_only=True)`` on the CPU, with our own refusal message.

    ``refused`` is the message raised (as :class:`NotPlainDataError`) when torch's restricted
    unpickler refuses the file; the global the file asked for is appended, torch's advice to
    retry with ``weights_only=False`` is not: that would run whatever the file holds.
    Other errors (a truncated zip archive, a missing file) propagate unchanged.
    """
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        m = re.search(r"GLOBAL ([\w.<>]+)", str(e))
        detail = f" (it asks for {m.group(1)})" if m else ""
        raise NotPlainDataError(refused + detail) from None


def check_output_path(path: str | os.PathLike, what: str, folder: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be written.

    ``what`` names the argument in the message (``"--out"``). A file is refused when an
    existing directory has its name; a folder (``folder=True``) when a file has its name; and
    both when a parent on the way is an existing file. Raises :class:`~tsreprog._params.UsageError`.
    """
    from tsreprog._params import UsageError

    path = Path(path)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(
                    f"{what} {path}: {parent} is a file, not a folder; choose another path"
                )
            break
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} is a file; give a folder path")
    if not folder and path.is_dir():
        raise UsageError(f"{what} {path} is a folder; give a file path (e.g. {path}/weights.pt)")
    return path


@contextlib.contextmanager
def locked_folder(path: Path) -> Iterator[None]:
    """Advisory lock on the folder of ``path``, so two processes can share one results file
    (the file itself is replaced on every write, so it cannot carry the lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = None
    try:
        import fcntl

        fd = os.open(path.parent, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except (ImportError, OSError):  # pragma: no cover - e.g. Windows: the rename stays atomic
        if fd is not None:
            os.close(fd)
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def check_results_out(path: str | os.PathLike, key_columns: tuple[str, ...]) -> Path:
    """Refuse, before any work, an ``--out`` that is not (or cannot become) a results file.

    An existing non-empty file whose header lacks ``key_columns`` is someone else's CSV: it is
    left untouched and :class:`~tsreprog._params.UsageError` names another path to use.
    """
    from tsreprog._params import UsageError

    path = check_output_path(path, "--out")
    if path.is_file():
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline().strip()
        if header:
            columns = {c.strip().strip('"') for c in header.split(",")}
            lacking = [c for c in key_columns if c not in columns]
            if lacking:
                raise UsageError(
                    f"--out {path} exists and is not a tsreprog results file (no "
                    f"{'/'.join(lacking)} column); it was left untouched: choose another --out"
                )
    return path
