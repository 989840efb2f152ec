"""Synthesize a speech-commands corpus with espeak-ng, in the Google Speech Commands layout.

Every clip is one command word spoken by one *voice*: a pair (espeak-ng voice of the language,
voice variant), e.g. ``en-gb-scotland+f3``. On top of the voice, each clip draws its own
speaking rate (``-s``), pitch (``-p``) and amplitude (``-a``) and is then augmented:

1. leading and trailing silence of the synthesized word is trimmed;
2. speed/pitch perturbation: the word is resampled by a factor drawn from
   :data:`SPEED_RANGE` (which changes tempo and pitch together, like playing a tape faster);
3. words longer than :data:`MAX_SPEECH_SECONDS` are **re-synthesized at a faster espeak-ng
   rate** (up to three times, at most 450 words/minute); if a word is still too long it is
   **cropped at the end** with a 10 ms fade-out;
4. the word is placed at a uniformly random offset inside the 1-s window;
5. with probability :data:`NOISE_PROBABILITY` (when ``noise=True``) white, pink or brown noise
   is added at an SNR drawn uniformly from :data:`SNR_RANGE_DB`;
6. random gain: the clip is scaled to a peak drawn log-uniformly from :data:`PEAK_RANGE`.

The ``_silence_`` class holds noise-only clips: white, pink, brown, a mix of two colours
(optionally with 50/60 Hz mains hum), and near-silence (a few least-significant bits of noise).

Output (``out_dir``)::

    <word>/<voicehash>_nohash_<k>.wav   16 kHz (``sample_rate``) mono 16-bit PCM, 1 s
    validation_list.txt                 relative paths ``word/file.wav``, one per line
    testing_list.txt
    manifest.json                       recipe, voices of each split, espeak-ng version, counts

``voicehash`` is the first 8 hex digits of the SHA-1 of the voice identifier, so the same voice
has the same hash in every word folder (as a speaker does in Google Speech Commands); ``k``
counts the clips of that voice in that folder. Silence clips get a hash per clip.

The split is **voice-disjoint**: whole voices are assigned to testing, validation or training
(stratified over the espeak-ng voices of the language), so no testing voice is heard in
training or validation and no validation voice in training.

Determinism: every clip draws its randomness from a generator seeded with a hash of
``(seed, lang, word, file name)``, so the files do not depend on ``jobs`` or on the order in
which they are produced; with the same espeak-ng installation, the same ``seed`` gives
byte-identical WAV files.

Interrupted runs: every file is written to a temporary name and renamed into place, so a folder
never holds half a WAV. Running again into the same folder with the same recipe **resumes**
(existing clips are kept, missing ones made); a different recipe, or a non-empty folder that
was not made by this function, is **refused** with :class:`FileExistsError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from tqdm.auto import tqdm

from tsreprog._io import atomic_write, atomic_write_text
from tsreprog.labels import SILENCE, SPEECH_COMMANDS_CLASSES

__all__ = [
    "LANGUAGE_WORDS",
    "SILENCE",
    "SPEECH_COMMANDS_CLASSES",
    "espeak_ng_version",
    "list_voices",
    "synthesize_commands",
]

#: Command words per language: ``{lang: {folder_name: text_to_speak}}``.
#:
#: * ``"en"``: the 35 Google Speech Commands words (in :data:`SPEECH_COMMANDS_CLASSES` order).
#: * ``"lt"``: 15 Lithuanian commands: taip (yes), ne (no), aukštyn (up), žemyn (down),
#:   kairėn (left), dešinėn (right), įjunk (turn on), išjunk (turn off), stok (stop),
#:   pirmyn (forward/go), atgal (back), pradėk (start), baik (finish), garsiau (louder),
#:   tyliau (quieter).
#: * ``"ar"``: 16 Arabic words (with vowel marks, which espeak-ng needs to pronounce them):
#:   the digits 0-9 sifr, wahid, ithnan, thalatha, arbaa, khamsa, sitta, sabaa, thamaniya,
#:   tisaa, and the commands naam (yes), la (no), tawaqqaf (stop), ibda (start), yamin (right),
#:   yasar (left).
#: * ``"cmn"``: 13 Mandarin commands in simplified characters: 是 shi (yes), 不 bu (no),
#:   上 shang (up), 下 xia (down), 左 zuo (left), 右 you (right), 开 kai (open/on),
#:   关 guan (close/off), 停 ting (stop), 走 zou (go), 前进 qianjin (forward),
#:   后退 houtui (backward), 你好 nihao (hello).
#:
#: Folder names are ASCII (romanised, without diacritics or tone marks).
LANGUAGE_WORDS: dict[str, dict[str, str]] = {
    "en": {w: w for w in SPEECH_COMMANDS_CLASSES[1:]},
    "lt": {
        "taip": "taip",
        "ne": "ne",
        "aukstyn": "aukštyn",
        "zemyn": "žemyn",
        "kairen": "kairėn",
        "desinen": "dešinėn",
        "ijunk": "įjunk",
        "isjunk": "išjunk",
        "stok": "stok",
        "pirmyn": "pirmyn",
        "atgal": "atgal",
        "pradek": "pradėk",
        "baik": "baik",
        "garsiau": "garsiau",
        "tyliau": "tyliau",
    },
    "ar": {
        "sifr": "صِفْر",
        "wahid": "وَاحِد",
        "ithnan": "اِثْنَان",
        "thalatha": "ثَلَاثَة",
        "arbaa": "أَرْبَعَة",
        "khamsa": "خَمْسَة",
        "sitta": "سِتَّة",
        "sabaa": "سَبْعَة",
        "thamaniya": "ثَمَانِيَة",
        "tisaa": "تِسْعَة",
        "naam": "نَعَم",
        "la": "لَا",
        "tawaqqaf": "تَوَقَّفْ",
        "ibda": "اِبْدَأْ",
        "yamin": "يَمِين",
        "yasar": "يَسَار",
    },
    "cmn": {
        "shi": "是",
        "bu": "不",
        "shang": "上",
        "xia": "下",
        "zuo": "左",
        "you": "右",
        "kai": "开",
        "guan": "关",
        "ting": "停",
        "zou": "走",
        "qianjin": "前进",
        "houtui": "后退",
        "nihao": "你好",
    },
}

#: espeak-ng speaking rate (words per minute), drawn uniformly per clip.
RATE_RANGE: tuple[int, int] = (120, 230)
#: espeak-ng pitch (0-99), drawn uniformly per clip.
PITCH_RANGE: tuple[int, int] = (20, 80)
#: espeak-ng amplitude (0-200), drawn uniformly per clip.
AMPLITUDE_RANGE: tuple[int, int] = (60, 160)
#: Resampling factor for the speed/pitch perturbation (>1 is faster and higher).
SPEED_RANGE: tuple[float, float] = (0.92, 1.08)
#: Longest word kept as synthesized; longer words are re-synthesized faster, then cropped.
MAX_SPEECH_SECONDS: float = 0.96
#: Probability that a word clip gets background noise (when ``noise=True``).
NOISE_PROBABILITY: float = 0.8
#: Signal-to-noise ratio of the background noise, in dB.
SNR_RANGE_DB: tuple[float, float] = (5.0, 40.0)
#: Peak amplitude of a word clip after the random gain (log-uniform).
PEAK_RANGE: tuple[float, float] = (0.1, 0.95)
#: Peak amplitude of a ``_silence_`` clip (log-uniform), and of a near-silent one.
SILENCE_PEAK_RANGE: tuple[float, float] = (3e-3, 0.5)
NEAR_SILENCE_PEAK_RANGE: tuple[float, float] = (1e-4, 2e-3)

_MAX_ESPEAK_RATE = 450
_SPLITS = ("testing", "validation", "train")
_MANIFEST = "manifest.json"
_FORMAT = "tsreprog-synth-1"
_NOT_FOUND = (
    "espeak-ng was not found on PATH; install it with `apt-get install espeak-ng` "
    "(Debian/Ubuntu) or `brew install espeak-ng` (macOS)"
)


# --------------------------------------------------------------------------------------------
# espeak-ng helpers
# --------------------------------------------------------------------------------------------


def _espeak() -> str:
    """Path of the espeak-ng executable, or a clear :class:`RuntimeError`."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError(_NOT_FOUND)
    return exe


def espeak_ng_version() -> str:
    """Version string of the installed espeak-ng (e.g. ``"1.51"``).

    Returns
    -------
    str

    Raises
    ------
    RuntimeError
        If espeak-ng is not on ``PATH``.
    """
    return _version(_espeak())


@cache
def _version(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"text-to-speech:\s*(\S+)", out)
    return m.group(1) if m else out.strip()


def _parse_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """Decode the 16-bit PCM WAV that ``espeak-ng --stdout`` writes (its sizes are bogus)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("espeak-ng did not produce a WAV stream")
    pos, rate, channels, bits = 12, None, 1, 16
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if cid == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            rate = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
        elif cid == b"data":
            if rate is None or bits != 16:
                raise ValueError("unsupported WAV stream from espeak-ng")
            pcm = data[body:]  # the size field is a placeholder when writing to a pipe
            pcm = pcm[: len(pcm) // (2 * channels) * 2 * channels]
            x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
            return x.reshape(-1, channels).mean(axis=1), rate
        pos = body + size + (size & 1)
    raise ValueError("no audio in the WAV stream from espeak-ng")


def _speak(
    exe: str, voice: str, text: str, rate: int = 175, pitch: int = 50, amplitude: int = 100
) -> tuple[np.ndarray, int]:
    """Run espeak-ng once; returns ``(float32 mono samples, sample_rate)``."""
    cmd = [exe, "-b", "1", "-v", voice, "-s", str(rate), "-p", str(pitch), "-a", str(amplitude)]
    proc = subprocess.run(
        [*cmd, "--stdout"], input=text.encode("utf-8"), capture_output=True, timeout=60
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"espeak-ng failed for voice {voice!r}: {msg[-1] if msg else ''}")
    return _parse_wav_bytes(proc.stdout)


def _table(exe: str, spec: str) -> list[list[str]]:
    """Rows of ``espeak-ng --voices=<spec>`` split on whitespace (header dropped)."""
    out = subprocess.run(
        [exe, f"--voices={spec}"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split() for line in out.splitlines()[1:] if line.strip()]


def _variant_names(exe: str) -> list[str]:
    """Names usable after ``+`` (the file names under ``voices/!v``), sorted."""
    out = subprocess.run(
        [exe, "--voices=variant"], capture_output=True, text=True, check=False
    ).stdout
    names = set()
    for line in out.splitlines()[1:]:
        m = re.search(r"!v/(\S+(?: \S+)*?)(?:\s{2,}|\s*\(|\s*$)", line)
        if m:
            names.add(m.group(1))
    return sorted(names)


def _base_voices(exe: str, lang: str) -> list[tuple[str, bool]]:
    """Candidate voices ``(identifier, is_mbrola)`` that espeak-ng lists for ``lang``."""
    seen: dict[str, bool] = {}
    for row in _table(exe, lang):
        if len(row) < 5 or row[1] == "variant":
            continue
        code, file = row[1], row[4]
        if file.startswith("mb/"):
            ident, mbrola = file.split("/", 1)[1], True
        else:
            ident, mbrola = code, False
            if ident in seen:  # two voices with one language code: name the file instead
                ident = file.rsplit("/", 1)[-1]
        seen.setdefault(ident, mbrola)
    return sorted(seen.items())


def _phonemes(exe: str, voice: str, text: str) -> str | None:
    proc = subprocess.run(
        [exe, "-b", "1", "-q", "-x", "-v", voice],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def _probe(exe: str, voice: str, text: str) -> bytes | None:
    """Audio of ``text`` as bytes, or ``None`` when the voice produces nothing usable."""
    try:
        x, _ = _speak(exe, voice, text)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired):
        return None
    if x.size == 0 or float(np.max(np.abs(x))) < 1e-3:
        return None
    return x.tobytes()


@cache
def _usable_voices(exe: str, lang: str, probe_text: str) -> tuple[str, ...]:
    bases: list[str] = []
    base_audio: dict[bytes, str] = {}
    mbrola_bases: set[str] = set()
    for ident, mbrola in _base_voices(exe, lang):
        # A voice whose transcription switches language (e.g. "(en)") cannot read the words.
        ph = _phonemes(exe, ident, probe_text)
        if ph is None or re.search(r"\([a-z]{2,3}(?:-[a-z0-9]+)*\)", ph):
            continue
        audio = _probe(exe, ident, probe_text)
        if audio is None or audio in base_audio:  # broken (mbrola not installed) or duplicate
            continue
        base_audio[audio] = ident
        bases.append(ident)
        if mbrola:
            mbrola_bases.add(ident)
    if not bases:
        return ()
    ref = next((b for b in bases if b not in mbrola_bases), None)
    variants: list[str] = []
    if ref is not None:
        names = _variant_names(exe)
        with ThreadPoolExecutor(max_workers=4) as pool:  # subprocess-bound: threads suffice
            probes = list(pool.map(lambda v: _probe(exe, f"{ref}+{v}", probe_text), names))
        seen = {_probe(exe, ref, probe_text)}
        for name, audio in zip(names, probes, strict=True):
            if audio is None or audio in seen:  # silent, broken, or no different from another
                continue
            seen.add(audio)
            variants.append(name)
    voices = []
    for b in bases:
        voices.append(b)
        if b not in mbrola_bases:
            voices.extend(f"{b}+{v}" for v in variants)
    return tuple(voices)


def list_voices(lang: str, probe_text: str | None = None) -> list[str]:
    """espeak-ng voice identifiers usable for ``lang``, variants included.

    The candidates are the voices that ``espeak-ng --voices=<lang>`` lists (espeak-ng and
    mbrola voices). Each one is tried on ``probe_text`` and kept only if it produces audio
    (most mbrola voices are not installed and fail), if its phoneme transcription does not
    switch to another language (e.g. espeak-ng 1.51's ``cmn`` voice reads many characters as
    English, while ``cmn-latn-pinyin`` reads them as Mandarin), and if it does not sound
    identical to a voice already kept. Every kept espeak-ng voice is then combined with every
    variant of ``espeak-ng --voices=variant`` (``"en-us+f3"``) that changes the audio; mbrola
    voices are used without variants. The result is cached per process.

    Parameters
    ----------
    lang : str
        espeak-ng language code, e.g. ``"en"``, ``"lt"``, ``"ar"``, ``"cmn"``.
    probe_text : str, optional
        Text used for the checks. Default: the words of :data:`LANGUAGE_WORDS` for ``lang``
        (the digits ``"1 2 3"`` for other languages).

    Returns
    -------
    list of str
        Voice identifiers for ``espeak-ng -v``, base voices first within each group, sorted.

    Raises
    ------
    RuntimeError
        If espeak-ng is not on ``PATH``.
    """
    exe = _espeak()
    if probe_text is None:
        words = LANGUAGE_WORDS.get(lang)
        probe_text = ", ".join(words.values()) if words else "1 2 3"
    return list(_usable_voices(exe, lang, probe_text))


# --------------------------------------------------------------------------------------------
# signal helpers
# --------------------------------------------------------------------------------------------


def _colored_noise(rng: np.random.Generator, n: int, color: str) -> np.ndarray:
    """Unit-RMS white, pink (1/f power) or brown (1/f^2 power) noise of ``n`` samples."""
    x = rng.standard_normal(n)
    if color != "white":
        spec = np.fft.rfft(x)
        f = np.arange(spec.size, dtype=np.float64)
        f[0] = 1.0
        spec /= f ** (0.5 if color == "pink" else 1.0)
        spec[0] = 0.0
        x = np.fft.irfft(spec, n)
    rms = float(np.sqrt(np.mean(x**2)))
    return x / rms if rms > 0 else x


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _trim(x: np.ndarray, rate: int, rel: float = 0.01, margin_s: float = 0.005) -> np.ndarray:
    """Drop leading/trailing samples below ``rel`` times the peak, keeping a small margin."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0.0:
        return x[:0]
    idx = np.flatnonzero(np.abs(x) > rel * peak)
    m = int(margin_s * rate)
    return x[max(0, idx[0] - m) : idx[-1] + 1 + m]


def _fade_crop(x: np.ndarray, n: int, rate: int) -> np.ndarray:
    """Keep the first ``n`` samples with a 10 ms linear fade-out."""
    x = x[:n].copy()
    f = min(n, max(1, int(0.01 * rate)))
    x[-f:] *= np.linspace(1.0, 0.0, f, dtype=x.dtype)
    return x


def _to_pcm16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


# --------------------------------------------------------------------------------------------
# clip rendering
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clip:
    word: str
    text: str | None  # None for the silence class
    voice: str | None
    split: str
    relpath: str
    seed: int


def _clip_seed(seed: int, lang: str, word: str, name: str) -> int:
    digest = hashlib.sha256(f"{seed}|{lang}|{word}|{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _render_word(exe: str, clip: _Clip, sample_rate: int, noise: bool) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(clip.seed)
    n = sample_rate
    rate = int(rng.integers(RATE_RANGE[0], RATE_RANGE[1] + 1))
    pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
    amp = int(rng.integers(AMPLITUDE_RANGE[0], AMPLITUDE_RANGE[1] + 1))
    speed = float(rng.uniform(*SPEED_RANGE))
    max_len = int(MAX_SPEECH_SECONDS * sample_rate)
    assert clip.voice is not None and clip.text is not None
    for _attempt in range(4):
        raw, raw_rate = _speak(exe, clip.voice, clip.text, rate, pitch, amp)
        raw = _trim(raw, raw_rate)
        if raw.size == 0:
            raise RuntimeError(f"espeak-ng produced silence for {clip.text!r} ({clip.voice})")
        speech = soxr.resample(raw, raw_rate * speed, sample_rate, quality="HQ")
        if speech.size <= max_len or rate >= _MAX_ESPEAK_RATE:
            break
        rate = min(_MAX_ESPEAK_RATE, math.ceil(rate * speech.size / max_len * 1.05))
    cropped = speech.size > max_len
    if cropped:
        speech = _fade_crop(speech, max_len, sample_rate)
    speech = speech.astype(np.float64)
    speech /= float(np.max(np.abs(speech)))
    offset = int(rng.integers(0, n - speech.size + 1))
    y = np.zeros(n)
    y[offset : offset + speech.size] = speech
    color, snr = None, None
    if noise and rng.random() < NOISE_PROBABILITY:
        color = str(rng.choice(["white", "pink", "brown"]))
        snr = float(rng.uniform(*SNR_RANGE_DB))
        p_speech = float(np.mean(speech**2))
        y += _colored_noise(rng, n, color) * math.sqrt(p_speech / 10 ** (snr / 10))
    peak = _log_uniform(rng, *PEAK_RANGE)
    y *= peak / float(np.max(np.abs(y)))
    info = {"rate": rate, "pitch": pitch, "amplitude": amp, "speed": round(speed, 4)}
    info.update(noise=color, snr_db=None if snr is None else round(snr, 2), cropped=cropped)
    return y, info


def _render_silence(clip: _Clip, sample_rate: int) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(clip.seed)
    n = sample_rate
    kind = str(rng.choice(["white", "pink", "brown", "mix", "near_silence"], p=[0.2] * 5))
    if kind == "near_silence":
        y = _colored_noise(rng, n, str(rng.choice(["white", "pink"])))
        peak = _log_uniform(rng, *NEAR_SILENCE_PEAK_RANGE)
    else:
        if kind == "mix":
            a, b = rng.choice(["white", "pink", "brown"], size=2, replace=False)
            w = float(rng.uniform(0.2, 0.8))
            y = w * _colored_noise(rng, n, str(a)) + (1 - w) * _colored_noise(rng, n, str(b))
            if rng.random() < 0.5:  # mains hum with a few harmonics
                t = np.arange(n) / sample_rate
                f0 = float(rng.choice([50.0, 60.0]))
                hum = sum(
                    np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k
                    for k in (1, 2, 3)
                )
                y = y + float(rng.uniform(0.1, 1.0)) * hum
        else:
            y = _colored_noise(rng, n, kind)
        peak = _log_uniform(rng, *SILENCE_PEAK_RANGE)
    y = y * (peak / float(np.max(np.abs(y))))
    return y, {"noise": kind, "peak": round(peak, 6)}


# --------------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------------


def _voice_hash(voice: str) -> str:
    return hashlib.sha1(voice.encode("utf-8")).hexdigest()[:8]


def _split_voices(
    voices: Sequence[str], test_fraction: float, validation_fraction: float, seed: int
) -> dict[str, list[str]]:
    """Assign whole voices to splits, stratified over the base voice (the part before ``+``)."""
    rng = np.random.default_rng([seed, 0x5EED])
    groups: dict[str, list[str]] = {}
    for v in sorted(set(voices)):
        groups.setdefault(v.split("+", 1)[0], []).append(v)
    # Fractional position of each voice inside its shuffled group: sorting by it interleaves
    # the groups, so every prefix of the order holds about the same share of every group.
    keyed = []
    for gi, (_, members) in enumerate(sorted(groups.items())):
        u = rng.random()
        for j, v in enumerate(rng.permutation(members)):
            keyed.append(((j + u) / len(members), gi, str(v)))
    order = [v for _, _, v in sorted(keyed)]
    total = len(order)
    n_test = max(1, round(total * test_fraction)) if test_fraction > 0 else 0
    n_val = max(1, round(total * validation_fraction)) if validation_fraction > 0 else 0
    if total - n_test - n_val < 1:
        raise ValueError(
            f"{total} voice(s) are too few for a voice-disjoint split with "
            f"test_fraction={test_fraction} and validation_fraction={validation_fraction}"
        )
    return {
        "testing": sorted(order[:n_test]),
        "validation": sorted(order[n_test : n_test + n_val]),
        "train": sorted(order[n_test + n_val :]),
    }


def _split_counts(n: int, test_fraction: float, validation_fraction: float) -> dict[str, int]:
    def part(f: float) -> int:
        return max(1, round(n * f)) if f > 0 and n >= 3 else round(n * f)

    n_test, n_val = part(test_fraction), part(validation_fraction)
    return {"testing": n_test, "validation": n_val, "train": max(0, n - n_test - n_val)}


def _plan(
    lang: str,
    words: Mapping[str, str],
    per_word: int,
    n_silence: int,
    split_voices: Mapping[str, Sequence[str]],
    fractions: tuple[float, float],
    seed: int,
) -> list[_Clip]:
    clips: list[_Clip] = []
    for word in sorted(words):
        counts = _split_counts(per_word, *fractions)
        for split in _SPLITS:
            pool = list(split_voices[split])
            if counts[split] and not pool:
                raise ValueError(f"no voice left for the {split} split")
            order = np.random.default_rng([seed, _clip_seed(0, lang, word, split)])
            pool = [str(v) for v in order.permutation(pool)] if pool else []
            seen: dict[str, int] = {}
            for i in range(counts[split]):
                voice = pool[i % len(pool)]
                h = _voice_hash(voice)
                k = seen.get(h, 0)
                seen[h] = k + 1
                name = f"{h}_nohash_{k}.wav"
                seed_i = _clip_seed(seed, lang, word, name)
                clips.append(_Clip(word, words[word], voice, split, f"{word}/{name}", seed_i))
    if n_silence:
        counts = _split_counts(n_silence, *fractions)
        i = 0
        for split in _SPLITS:
            for _ in range(counts[split]):
                h = hashlib.sha1(f"{SILENCE}|{seed}|{i}".encode()).hexdigest()[:8]
                name = f"{h}_nohash_0.wav"
                seed_i = _clip_seed(seed, lang, SILENCE, name)
                clips.append(_Clip(SILENCE, None, None, split, f"{SILENCE}/{name}", seed_i))
                i += 1
    return clips


def _resolve_words(lang: str, words: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    known = LANGUAGE_WORDS.get(lang, {})
    if words is None:
        if not known:
            raise ValueError(
                f"no built-in words for lang {lang!r} (built-in: {sorted(LANGUAGE_WORDS)}); "
                "pass words={'folder': 'text to speak', ...}"
            )
        return dict(known)
    if isinstance(words, Mapping):
        out = {str(k): str(v) for k, v in words.items()}
    else:
        if isinstance(words, str):
            words = [words]
        unknown = [w for w in words if w not in known and w != SILENCE]
        if unknown:
            raise ValueError(
                f"unknown word(s) {unknown} for lang {lang!r}; known: {sorted(known)}. "
                "Pass a mapping {'folder': 'text to speak'} for other words."
            )
        out = {w: known[w] for w in words if w != SILENCE}
    for folder in out:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", folder):
            raise ValueError(f"word folder names must be plain ASCII, got {folder!r}")
    out.pop(SILENCE, None)
    return out


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def synthesize_commands(
    out_dir: str | os.PathLike,
    lang: str = "en",
    words: Sequence[str] | Mapping[str, str] | None = None,
    per_word: int = 100,
    seed: int = 0,
    test_fraction: float = 0.15,
    validation_fraction: float = 0.1,
    silence_per_word: int | None = None,
    sample_rate: int = 16000,
    noise: bool = True,
    progress: bool = True,
    jobs: int = 1,
    voices: Sequence[str] | None = None,
) -> dict:
    """Synthesize a speech-commands corpus with espeak-ng in the Google Speech Commands layout.

    See the module docstring for the voices, the augmentation, the file layout, the
    voice-disjoint split, determinism and resuming.

    Parameters
    ----------
    out_dir : path
        Output folder (created). Must be empty, missing, or an earlier run of the same recipe
        (which is then resumed).
    lang : str
        Language: a key of :data:`LANGUAGE_WORDS` (``"en"``, ``"lt"``, ``"ar"``, ``"cmn"``) or,
        with ``words`` given as a mapping, any espeak-ng language code.
    words : sequence of str or mapping of str to str, optional
        Folder names from ``LANGUAGE_WORDS[lang]`` (default: all of them), or a mapping
        ``{folder_name: text_to_speak}`` for other words. ``"_silence_"`` in a sequence is
        ignored (the silence class is controlled by ``silence_per_word``).
    per_word : int
        Clips per word, over all splits.
    seed : int
        Seed of the voice split and of every clip's parameters.
    test_fraction, validation_fraction : float
        Share of the voices, and of each word's clips, in the testing and validation lists.
        Each non-zero share gets at least one voice (and one clip per word when
        ``per_word >= 3``).
    silence_per_word : int, optional
        Number of clips of the ``_silence_`` class (one more "word"); default ``per_word``;
        0 for none.
    sample_rate : int
        Output sample rate; every clip is exactly one second (``sample_rate`` samples).
    noise : bool
        Add random background noise to word clips (silence clips are noise regardless).
    progress : bool
        Show a tqdm progress bar.
    jobs : int
        Number of worker threads (each runs espeak-ng subprocesses); ``<= 0`` uses all CPUs.
    voices : sequence of str, optional
        Use these espeak-ng voice identifiers instead of :func:`list_voices` of ``lang``
        (each is checked to produce audio).

    Returns
    -------
    dict
        The manifest written to ``out_dir/manifest.json`` (recipe, ``voices`` per split,
        ``voice_hashes``, ``espeak_ng_version``, ``counts`` per split and word), plus
        ``"generated"`` (clips made by this call), ``"resumed"`` (clips found from an earlier
        run), ``"elapsed_s"`` and ``"clips_per_s"``.

    Raises
    ------
    RuntimeError
        If espeak-ng is not on ``PATH``, or a clip could not be synthesized.
    FileExistsError
        If ``out_dir`` holds other files, or a run with a different recipe.
    ValueError
        For unknown words or languages, bad fractions, or too few voices.
    """
    t0 = time.perf_counter()
    from tsreprog._io import check_output_path

    check_output_path(out_dir, "OUT (out_dir=)", folder=True)
    exe = _espeak()
    if per_word < 1:
        raise ValueError(f"per_word must be >= 1, got {per_word}")
    if not (0 <= test_fraction < 1 and 0 <= validation_fraction < 1):
        raise ValueError("test_fraction and validation_fraction must be in [0, 1)")
    if test_fraction + validation_fraction >= 1:
        raise ValueError("test_fraction + validation_fraction must be < 1")
    word_texts = _resolve_words(lang, words)
    n_silence = per_word if silence_per_word is None else int(silence_per_word)
    if not word_texts and n_silence <= 0:
        raise ValueError("nothing to synthesize: no words and no silence clips")
    if voices is None:
        voice_list = list_voices(lang)
    else:
        voice_list = sorted(set(voices))
        probe = next(iter(word_texts.values()), "1")
        broken = [v for v in voice_list if _probe(exe, v, probe) is None]
        if broken:
            raise ValueError(f"espeak-ng voice(s) {broken} produce no audio; see list_voices()")
    if word_texts and not voice_list:
        raise RuntimeError(f"espeak-ng has no usable voice for lang {lang!r}")
    fractions = (float(test_fraction), float(validation_fraction))
    split_voices = _split_voices(voice_list, *fractions, seed) if word_texts else {}
    hashes = {_voice_hash(v): v for v in voice_list}
    if len(hashes) != len(voice_list):  # pragma: no cover - SHA-1 prefix collision
        raise RuntimeError("two voices share a file-name hash; restrict `voices`")
    if not split_voices:
        split_voices = {s: [] for s in _SPLITS}

    recipe = {
        "format": _FORMAT,
        "lang": lang,
        "words": word_texts,
        "per_word": int(per_word),
        "silence_clips": n_silence,
        "seed": int(seed),
        "test_fraction": fractions[0],
        "validation_fraction": fractions[1],
        "sample_rate": int(sample_rate),
        "noise": bool(noise),
        "espeak_ng_version": _version(exe),
        "augmentation": {
            "rate_wpm": list(RATE_RANGE),
            "pitch": list(PITCH_RANGE),
            "amplitude": list(AMPLITUDE_RANGE),
            "speed_factor": list(SPEED_RANGE),
            "max_speech_s": MAX_SPEECH_SECONDS,
            "long_words": "re-synthesized faster, then cropped at the end",
            "noise_probability": NOISE_PROBABILITY if noise else 0.0,
            "snr_db": list(SNR_RANGE_DB),
            "peak": list(PEAK_RANGE),
            "silence_peak": list(SILENCE_PEAK_RANGE),
            "near_silence_peak": list(NEAR_SILENCE_PEAK_RANGE),
        },
        "voices": {s: list(split_voices[s]) for s in _SPLITS},
    }

    out = Path(out_dir)
    manifest_path = out / _MANIFEST
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        diff = sorted(
            k
            for k in set(recipe) | set(old.get("recipe", {}))
            if recipe.get(k) != old.get("recipe", {}).get(k)
        )
        if diff:
            raise FileExistsError(
                f"{out} holds a corpus made with a different recipe (differs in: "
                f"{', '.join(diff)}); use another folder or delete this one"
            )
    elif out.exists() and any(out.iterdir()):
        raise FileExistsError(
            f"{out} is not empty and has no {_MANIFEST}; refusing to write into it"
        )
    out.mkdir(parents=True, exist_ok=True)
    for pattern in (".*.tmp", "*/.*.tmp"):  # temporary files of an interrupted run
        for leftover in out.glob(pattern):
            leftover.unlink(missing_ok=True)
    atomic_write_text(
        manifest_path,
        json.dumps({"recipe": recipe, "status": "incomplete"}, indent=2, ensure_ascii=False),
    )

    clips = _plan(lang, word_texts, per_word, n_silence, split_voices, fractions, seed)
    todo = [c for c in clips if not (out / c.relpath).exists()]
    for word in {c.word for c in todo}:
        (out / word).mkdir(exist_ok=True)

    def make(clip: _Clip) -> None:
        if clip.text is None:
            y, _ = _render_silence(clip, sample_rate)
        else:
            y, _ = _render_word(exe, clip, sample_rate, noise)
        buf = io.BytesIO()
        sf.write(buf, _to_pcm16(y), sample_rate, subtype="PCM_16", format="WAV")
        atomic_write(out / clip.relpath, lambda f: f.write(buf.getvalue()))

    n_jobs = (os.cpu_count() or 1) if jobs <= 0 else int(jobs)
    failures: list[str] = []
    with tqdm(total=len(todo), disable=not progress, desc=f"synth {lang}", unit="clip") as bar:
        if n_jobs == 1:
            for c in todo:
                try:
                    make(c)
                except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                    failures.append(f"{c.relpath}: {e}")
                bar.update()
        else:
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                futures = {pool.submit(make, c): c for c in todo}
                try:
                    for fut in as_completed(futures):
                        exc = fut.exception()
                        if exc is not None:
                            if not isinstance(
                                exc, (RuntimeError, ValueError, subprocess.TimeoutExpired)
                            ):
                                raise exc
                            failures.append(f"{futures[fut].relpath}: {exc}")
                        bar.update()
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    if failures:
        head = "\n  ".join(failures[:10])
        more = f"\n  ... and {len(failures) - 10} more" if len(failures) > 10 else ""
        raise RuntimeError(
            f"{len(failures)} clip(s) could not be synthesized (rerun to resume):\n  {head}{more}"
        )

    lists = {s: sorted(c.relpath for c in clips if c.split == s) for s in _SPLITS}
    atomic_write_text(out / "validation_list.txt", "".join(p + "\n" for p in lists["validation"]))
    atomic_write_text(out / "testing_list.txt", "".join(p + "\n" for p in lists["testing"]))
    counts: dict[str, dict[str, int]] = {s: {} for s in _SPLITS}
    for c in clips:
        counts[c.split][c.word] = counts[c.split].get(c.word, 0) + 1
    manifest = {
        "recipe": recipe,
        "status": "complete",
        "voice_hashes": {h: hashes[h] for h in sorted(hashes)},
        "counts": {s: dict(sorted(counts[s].items())) for s in _SPLITS},
        "total_clips": len(clips),
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - t0
    result = dict(manifest)
    result.update(
        out_dir=str(out),
        generated=len(todo),
        resumed=len(clips) - len(todo),
        elapsed_s=round(elapsed, 3),
        clips_per_s=round(len(todo) / elapsed, 2) if elapsed > 0 else None,
    )
    return result
