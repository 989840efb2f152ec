"""Load speech-command corpora laid out like the Google Speech Commands (GSC) data set.

Layout::

    root/
      <class>/<file>.wav           one folder per class (sub-folders inside are searched too)
      validation_list.txt          optional: paths relative to root, ``class/file.wav``
      testing_list.txt             optional
      _background_noise_/*.wav     optional: long noise recordings (GSC)

The training split is every audio file that is in neither list, as in GSC. This layout is
shared by the GSC releases, by :func:`tsreprog.data.synth.synthesize_commands`, by the
Lithuanian speech-commands set and by the Arabic and dysarthric-Mandarin command sets once
their files sit in one folder per class.

Folders whose names start with ``_`` are *not* classes by default, except ``_silence_``:
GSC's ``_background_noise_`` holds a few minute-long noise recordings rather than 1-s clips,
so it is skipped unless named in ``classes``. When it is requested, each of its recordings is
cut into consecutive, non-overlapping windows of ``duration`` seconds (the remainder is
dropped), every window becomes one example labelled with the folder name, and these examples
belong to the training split (the GSC lists never name them). Folders starting with ``.`` are
always ignored.

Bad files (unreadable, empty, all-zero, or named in a list but missing) are skipped and
reported together in one :class:`AudioLoadWarning` after loading.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from tqdm.auto import tqdm

__all__ = [
    "AUDIO_EXTENSIONS",
    "CROP_MODES",
    "SPLITS",
    "AudioLoadWarning",
    "load_audio",
    "load_speech_commands",
]

#: Valid values of ``split``.
SPLITS: tuple[str, ...] = ("train", "validation", "testing")
#: Valid values of ``crop``.
CROP_MODES: tuple[str, ...] = ("center", "start", "end", "energy")
#: File extensions read as audio (case-insensitive).
AUDIO_EXTENSIONS: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff")

_SILENCE = "_silence_"
_LISTS = {"validation": "validation_list.txt", "testing": "testing_list.txt"}
# A recording whose peak is below this is "silent" (one 16-bit LSB is 3.05e-5).
_SILENT_PEAK = 1e-6


class AudioLoadWarning(UserWarning):
    """Some audio files could not be used and were skipped."""


def _read(path: Path) -> tuple[np.ndarray, int]:
    """Read ``path`` as float32 mono; raise ValueError for empty or silent audio."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile raises several types for corrupt files
        raise ValueError(f"unreadable ({type(e).__name__}: {str(e).strip() or 'no detail'})") from e
    if data.size == 0:
        raise ValueError("empty (no samples)")
    x = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if not np.all(np.isfinite(x)):
        raise ValueError("contains NaN or infinite samples")
    if float(np.max(np.abs(x))) < _SILENT_PEAK:
        raise ValueError("silent (all samples zero)")
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def _resample(x: np.ndarray, rate: int, sample_rate: int) -> np.ndarray:
    if rate == sample_rate:
        return x
    return soxr.resample(x, rate, sample_rate, quality="HQ").astype(np.float32, copy=False)


def _fit(x: np.ndarray, n: int, crop: str) -> np.ndarray:
    """Crop or zero-pad ``x`` to exactly ``n`` samples."""
    if x.size > n:
        if crop == "start":
            start = 0
        elif crop == "end":
            start = x.size - n
        elif crop == "energy":
            # window of n samples with the most energy (first one on ties)
            c = np.concatenate([[0.0], np.cumsum(x.astype(np.float64) ** 2)])
            start = int(np.argmax(c[n:] - c[:-n]))
        else:  # center
            start = (x.size - n) // 2
        return x[start : start + n]
    if x.size < n:
        gap = n - x.size
        if crop == "start":
            before = 0
        elif crop == "end":
            before = gap
        else:  # center, energy: centre the recording in the window
            before = gap // 2
        return np.pad(x, (before, gap - before))
    return x


def _normalize(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak if peak > 0 else x


def _check_options(crop: str, sample_rate: int, duration: float | None) -> int | None:
    if crop not in CROP_MODES:
        raise ValueError(f"crop={crop!r} is not one of {list(CROP_MODES)}")
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive int (Hz), got {sample_rate!r}")
    if duration is None:
        return None
    if not duration > 0:
        raise ValueError(f"duration must be > 0 seconds (or None), got {duration!r}")
    return int(round(duration * sample_rate))


def load_audio(
    path: str | os.PathLike,
    sample_rate: int = 16000,
    duration: float | None = 1.0,
    peak_normalize: bool = True,
    crop: str = "center",
) -> np.ndarray:
    """Read one audio file as a float32 mono waveform of fixed length.

    Parameters
    ----------
    path : path
        Any format libsndfile reads (WAV of any sample rate and bit depth, FLAC, OGG, ...).
    sample_rate : int, Hz
        Output sample rate; other rates are resampled with soxr (high quality).
    duration : float or None, seconds
        Output length is ``round(duration * sample_rate)`` samples. ``None`` keeps the
        whole recording.
    peak_normalize : bool
        Divide by the largest absolute sample (after cropping), so the peak is 1.
    crop : {"center", "start", "end", "energy"}
        Which part of a longer recording to keep: the middle, the beginning, the end, or the
        window with the most energy (useful when the word is not centred). Shorter
        recordings are zero-padded on both sides (``"center"``, ``"energy"``), at the end
        (``"start"``) or at the beginning (``"end"``).

    Returns
    -------
    ndarray of shape (samples,), float32
        Channels are averaged to mono.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is unreadable, empty or silent (all zero), or an option is invalid.
    """
    n = _check_options(crop, sample_rate, duration)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"audio file not found: {path}")
    try:
        x, rate = _read(path)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    x = _resample(x, rate, sample_rate)
    if n is not None:
        x = _fit(x, n, crop)
    if peak_normalize:
        x = _normalize(x)
    return x.astype(np.float32, copy=False)


def _read_list(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().replace("\\", "/")
        if line:
            entries.add(line.removeprefix("./"))
    return entries


def _audio_files(folder: Path, root: Path) -> list[str]:
    """Audio files under ``folder`` as sorted posix paths relative to ``root``."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(AUDIO_EXTENSIONS):
                continue
            out.append(Path(dirpath, name).relative_to(root).as_posix())
    return sorted(out)


def load_speech_commands(
    root: str | os.PathLike,
    split: str | None = None,
    classes: Sequence[str] | None = None,
    sample_rate: int = 16000,
    duration: float = 1.0,
    peak_normalize: bool = True,
    crop: str = "center",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Load a speech-commands folder (Google Speech Commands layout) into arrays.

    See the module docstring for the layout, the handling of ``_``-folders and bad files.

    Parameters
    ----------
    root : path
        Folder with one sub-folder per class and optional ``validation_list.txt`` and
        ``testing_list.txt``.
    split : {None, "train", "validation", "testing"}
        ``None`` loads every file; ``"train"`` the files in neither list; ``"validation"`` /
        ``"testing"`` the files named in that list (which must then exist).
    classes : sequence of str, optional
        Class folders to load, in any order. Default: every sub-folder whose name does not
        start with ``_`` or ``.``, plus ``_silence_``. Name ``"_background_noise_"`` (or
        another ``_``-folder) here to load it as windows cut from its long recordings.
    sample_rate : int, Hz
        Output sample rate (files are resampled with soxr).
    duration : float, seconds
        Every example has ``round(duration * sample_rate)`` samples.
    peak_normalize : bool
        Scale each example so that its largest absolute sample is 1.
    crop : {"center", "start", "end", "energy"}
        How longer recordings are cropped and shorter ones padded (see :func:`load_audio`).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    X : ndarray of shape (n_examples, samples), float32
    y : ndarray of shape (n_examples,), str
        Class folder names. Examples are ordered by class, then by file path.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist, or the list file of the requested split is missing.
    NotADirectoryError
        If ``root`` is a file.
    ValueError
        For an unknown ``split`` or ``crop``, a requested class without a folder, or when no
        loadable audio remains.

    Warns
    -----
    AudioLoadWarning
        Once, listing every skipped file with the reason.
    """
    if split not in (None, *SPLITS):
        raise ValueError(f"split={split!r} is not one of {[None, *SPLITS]}")
    if duration is None:
        raise ValueError("duration=None is not supported here: examples must share one length")
    n = _check_options(crop, sample_rate, duration)
    assert n is not None
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"speech-commands folder not found: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"speech-commands root is not a folder: {root}")

    available = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if classes is None:
        wanted = [c for c in available if not c.startswith("_") or c == _SILENCE]
    else:
        wanted = list(dict.fromkeys(str(c) for c in classes))
        missing = [c for c in wanted if c not in available]
        if missing:
            raise ValueError(f"class folder(s) {missing} not found in {root}; found {available}")
    if not wanted:
        raise ValueError(f"no class folders in {root}")

    lists = {s: _read_list(root / f) for s, f in _LISTS.items()}
    if split in _LISTS and not (root / _LISTS[split]).is_file():
        raise FileNotFoundError(
            f"split={split!r} needs {_LISTS[split]} in {root}, which does not exist"
        )

    bad: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []  # (relative path, label) of 1-clip-per-file classes
    noise: list[tuple[str, str]] = []  # files of "_" folders, cut into windows
    for label in sorted(wanted):
        found = _audio_files(root / label, root)
        if label.startswith("_") and label != _SILENCE:
            if split in (None, "train"):
                noise.extend((p, label) for p in found)
            continue
        if split in _LISTS:
            listed = sorted(p for p in lists[split] if p.split("/", 1)[0] == label)
            present = set(found)
            bad.extend((p, "listed but not found") for p in listed if p not in present)
            found = [p for p in listed if p in present]
        elif split == "train":
            held_out = lists["validation"] | lists["testing"]
            found = [p for p in found if p not in held_out]
        files.extend((p, label) for p in found)

    X = np.empty((len(files), n), dtype=np.float32)
    y: list[str] = []
    k = 0
    for rel, label in tqdm(files, disable=not progress, desc="loading", unit="file"):
        try:
            x, rate = _read(root / rel)
        except ValueError as e:
            bad.append((rel, str(e)))
            continue
        x = _fit(_resample(x, rate, sample_rate), n, crop)
        X[k] = _normalize(x) if peak_normalize else x
        y.append(label)
        k += 1
    X = X[:k]

    if noise:
        windows: list[np.ndarray] = []
        for rel, label in noise:
            try:
                x, rate = _read(root / rel)
            except ValueError as e:
                bad.append((rel, str(e)))
                continue
            x = _resample(x, rate, sample_rate)
            if x.size < n:
                x = _fit(x, n, crop)
            for start in range(0, x.size - n + 1, n):
                w = x[start : start + n]
                peak = float(np.max(np.abs(w)))
                if peak < _SILENT_PEAK:
                    continue
                windows.append(w / peak if peak_normalize else w)
                y.append(label)
        if windows:
            X = np.concatenate([X, np.stack(windows).astype(np.float32, copy=False)])

    if bad:
        lines = "\n".join(f"  {p}: {why}" for p, why in bad)
        warnings.warn(
            f"skipped {len(bad)} audio file(s) in {root} that could not be used:\n{lines}",
            AudioLoadWarning,
            stacklevel=2,
        )
    if len(y) == 0:
        what = "" if split is None else f" for split={split!r}"
        raise ValueError(f"no loadable audio{what} in {root} (classes: {sorted(wanted)})")
    return X, np.asarray(y, dtype=str)
