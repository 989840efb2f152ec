"""Synthesize a speech-commands corpus in the Google Speech Commands layout, with espeak-ng,
flite and festival (:mod:`tsreprog.data.engines`).

Every clip is one command word spoken by one *voice*: an espeak-ng voice of the language with
a voice variant (``en-gb-scotland+f3``), a flite voice (``flite:awb``) or a festival voice
(``festival:kal_diphone``); flite and festival speak English only. ``engines`` chooses the
engines; the word clips are shared among them by :data:`ENGINE_WEIGHTS`. On top of the voice,
each clip draws its own speaking rate, pitch and (espeak-ng only) amplitude, and then:

1. leading and trailing silence of the synthesized word is trimmed;
2. speed/pitch perturbation: the word is resampled by a factor drawn from
   :data:`SPEED_RANGE` (which changes tempo and pitch together, like playing a tape faster);
   with ``augment=True`` also vocal-tract-length perturbation (:data:`VTLP_RANGE`: every
   frequency scaled, duration kept) and a tempo change (:data:`TEMPO_RANGE`: duration
   scaled, spectrum kept), see :func:`tsreprog.data.augment.warp_and_stretch`;
3. words longer than :data:`MAX_SPEECH_SECONDS` are **re-synthesized at a faster rate** (up
   to three times, at most 450 words/minute); if a word is still too long it is **cropped at
   the end** with a 10 ms fade-out;
4. the word is placed at a uniformly random offset inside the 1-s window;
5. ``augment=True``: with probability :data:`REVERB_PROBABILITY` the window is convolved with
   the impulse response of a random simulated shoebox room (pyroomacoustics; reverberation
   time in :data:`RT60_RANGE`);
6. with probability :data:`NOISE_PROBABILITY` (when ``noise=True``) background noise is added
   at an SNR drawn uniformly from :data:`SNR_RANGE_DB`: white, pink or brown noise, and with
   ``augment=True`` also mains hum (50/60 Hz and harmonics) or babble, the sum of
   :data:`BABBLE_TALKERS` other words of the same split (from a bank of
   :data:`BABBLE_BANK_SIZE` planned clips per split, so no voice crosses a split)
   (:data:`NOISE_KINDS` gives the odds);
7. random gain: the clip is scaled to a peak drawn log-uniformly from :data:`PEAK_RANGE`.

The augmentation draws from a generator of its own, so ``augment=False`` with espeak-ng alone
makes the same files as before the other engines and the augmentation existed.

The ``_silence_`` class holds noise-only clips: white, pink, brown, a mix of two colours
(optionally with 50/60 Hz mains hum), and near-silence (a few least-significant bits of noise).
It stays noise only: class 0 of the Voice2Series head is the silence class of Google Speech
Commands v2, in which every word is one of the other 35 classes.

Output (``out_dir``)::

    <word>/<voicehash>_nohash_<k>.wav   16 kHz (``sample_rate``) mono 16-bit PCM, 1 s
    validation_list.txt                 relative paths ``word/file.wav``, one per line
    testing_list.txt
    manifest.json                       recipe (engines with versions, voices and shares,
                                        augmentation settings), voices of each split, counts
    clips.jsonl                         every clip's parameters, one JSON object per line
    _holdout_/<word>/...                with ``holdout_engine``: that engine's clips (a corpus
                                        of its own, all in its testing_list.txt)

``voicehash`` is the first 8 hex digits of the SHA-1 of the voice identifier, so the same voice
has the same hash in every word folder (as a speaker does in Google Speech Commands); ``k``
counts the clips of that voice in that folder. Silence clips get a hash per clip.

The split is **voice-disjoint**: whole voices are assigned to testing, validation or training
(espeak-ng voices stratified over the espeak-ng base voices; the flite and festival voices by
the speaker recorded for them, so ``flite:slt`` and ``festival:cmu_us_slt_arctic_hts`` share
a split), so no testing voice is heard in training or validation and no validation voice in
training.

Determinism: every clip draws its randomness from a generator seeded with a hash of
``(seed, lang, word, file name)``, so the files do not depend on ``jobs`` or on the order in
which they are produced; with the same engine installations, the same ``seed`` gives
byte-identical WAV files.

Interrupted runs: every file is written to a temporary name and renamed into place, so a folder
never holds half a WAV; each finished clip's parameters are appended to
``.clips.partial.jsonl``. Running again into the same folder with the same recipe **resumes**
(existing clips are kept, missing ones made); a different recipe (other arguments, or another
engine version), or a non-empty folder that was not made by this function, is **refused**
with :class:`FileExistsError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import subprocess
import threading
import time
import warnings
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
from tsreprog.data import augment as _aug
from tsreprog.data.engines import (
    ENGINES,
    Engine,
    engine_of,
    espeak_executable,
    espeak_speak,
    get_engine,
    tool_version,
)
from tsreprog.labels import SILENCE, SPEECH_COMMANDS_CLASSES

__all__ = [
    "ENGINE_WEIGHTS",
    "EngineMissingWarning",
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

#: Share of the word clips spoken by each engine (renormalised over the engines used).
ENGINE_WEIGHTS: dict[str, float] = {"espeak-ng": 0.5, "flite": 0.3, "festival": 0.2}

# augmentation (``augment=True``), drawn per clip from a generator of its own (see module doc)
#: Vocal-tract-length warp factor (all frequencies scaled, duration kept), uniform.
VTLP_RANGE: tuple[float, float] = (0.9, 1.1)
#: Tempo factor (duration divided by it, spectrum kept), uniform.
TEMPO_RANGE: tuple[float, float] = (0.85, 1.15)
#: Probability that a word clip is reverberated in a simulated room.
REVERB_PROBABILITY: float = 0.5
#: Reverberation time of the simulated rooms, in seconds (uniform).
RT60_RANGE: tuple[float, float] = (0.15, 0.7)
#: Highest image-source order of the room simulation.
MAX_IMAGE_ORDER: int = 25
#: Background noise kinds of augmented word clips, and their probabilities.
NOISE_KINDS: dict[str, float] = {
    "white": 0.15,
    "pink": 0.15,
    "brown": 0.15,
    "hum": 0.15,
    "babble": 0.4,
}
#: Number of other clips summed into one babble noise (uniform, inclusive).
BABBLE_TALKERS: tuple[int, int] = (3, 6)
#: Clips per split whose clean speech is the babble bank of that split.
BABBLE_BANK_SIZE: int = 128

_MAX_ESPEAK_RATE = 450
_SPLITS = ("testing", "validation", "train")
_HOLDOUT = "holdout"
_HOLDOUT_DIR = "_holdout_"
_MANIFEST = "manifest.json"
_CLIPS = "clips.jsonl"
_CLIPS_PARTIAL = ".clips.partial.jsonl"
_FORMAT = "tsreprog-synth-2"


class EngineMissingWarning(UserWarning):
    """An engine asked for with ``engines="all"`` is not installed and was skipped."""


# --------------------------------------------------------------------------------------------
# espeak-ng helpers
# --------------------------------------------------------------------------------------------


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
    return tool_version(espeak_executable())


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
        x, _ = espeak_speak(exe, voice, text)
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
    exe = espeak_executable()
    if probe_text is None:
        words = LANGUAGE_WORDS.get(lang)
        probe_text = ", ".join(words.values()) if words else "1 2 3"
    return list(_usable_voices(exe, lang, probe_text))


# --------------------------------------------------------------------------------------------
# signal helpers
# --------------------------------------------------------------------------------------------


_colored_noise = _aug.colored_noise


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


def _draw_voice_settings(rng: np.random.Generator) -> tuple[int, int, int, float]:
    """A clip's first draws: rate (words/minute), pitch (0-99), amplitude (0-200), speed."""
    rate = int(rng.integers(RATE_RANGE[0], RATE_RANGE[1] + 1))
    pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
    amp = int(rng.integers(AMPLITUDE_RANGE[0], AMPLITUDE_RANGE[1] + 1))
    speed = float(rng.uniform(*SPEED_RANGE))
    return rate, pitch, amp, speed


def _speak_clip(engine: Engine, clip: _Clip, wpm: int, pitch: int, amp: int):
    """Render the clip's word with espeak-ng-style settings, mapped to the engine's scale."""
    assert clip.voice is not None and clip.text is not None
    return engine.render(
        clip.text, clip.voice, wpm / engine_base_wpm(), (pitch - 50) / 50, amp / 100
    )


def engine_base_wpm() -> int:
    """Words per minute that count as ``rate=1`` (espeak-ng's default speaking rate)."""
    return ENGINES["espeak-ng"].BASE_WPM  # type: ignore[attr-defined]


def _augment_rng(clip: _Clip) -> np.random.Generator:
    """The clip's augmentation generator: separate, so that ``augment`` leaves the other
    draws (and so the corpora made without augmentation) unchanged."""
    return np.random.default_rng([clip.seed, 0xA06])


def _render_word(
    clip: _Clip,
    sample_rate: int,
    noise: bool,
    augment: bool = False,
    babble_bank: _BabbleBank | None = None,
) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(clip.seed)
    n = sample_rate
    rate, pitch, amp, speed = _draw_voice_settings(rng)
    engine = engine_of(str(clip.voice))
    arng = _augment_rng(clip) if augment else None
    alpha = tempo = 1.0
    if arng is not None:
        alpha = float(arng.uniform(*VTLP_RANGE))
        tempo = float(arng.uniform(*TEMPO_RANGE))
    max_len = int(MAX_SPEECH_SECONDS * sample_rate)
    attempts = 0
    for attempts in range(1, 5):  # noqa: B007 - the count is recorded
        raw, raw_rate = _speak_clip(engine, clip, rate, pitch, amp)
        raw = _trim(raw, raw_rate)
        if raw.size == 0:
            raise RuntimeError(f"{engine.name} produced silence for {clip.text!r} ({clip.voice})")
        if arng is None:
            speech = soxr.resample(raw, raw_rate * speed, sample_rate, quality="HQ")
        else:
            speech = _aug.warp_and_stretch(raw, raw_rate, sample_rate, alpha, tempo, speed)
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
    p_speech = float(np.mean(speech**2))
    info: dict = {"engine": engine.name, "voice": clip.voice}
    info.update(rate_wpm=rate, rate=round(rate / engine_base_wpm(), 4))
    info.update(pitch=pitch if engine.supports_pitch(str(clip.voice)) else None)
    info.update(amplitude=amp if engine.name == "espeak-ng" else None, speed=round(speed, 4))
    info.update(attempts=attempts, cropped=cropped, offset_s=round(offset / sample_rate, 4))
    color, snr, extra = None, None, {}
    if arng is None:
        if noise and rng.random() < NOISE_PROBABILITY:
            color = str(rng.choice(["white", "pink", "brown"]))
            snr = float(rng.uniform(*SNR_RANGE_DB))
            y += _colored_noise(rng, n, color) * math.sqrt(p_speech / 10 ** (snr / 10))
    else:
        info.update(vtlp_alpha=round(alpha, 4), tempo=round(tempo, 4), reverb=None)
        if arng.random() < REVERB_PROBABILITY:
            rir, room = _aug.room_impulse_response(arng, sample_rate, RT60_RANGE, MAX_IMAGE_ORDER)
            y = _aug.reverberate(y, rir)
            y /= float(np.max(np.abs(y)))
            p_speech = float(np.mean(y[offset : offset + speech.size] ** 2))
            info["reverb"] = room
        if noise and arng.random() < NOISE_PROBABILITY:
            kinds = list(NOISE_KINDS)
            color = str(arng.choice(kinds, p=np.array(list(NOISE_KINDS.values()))))
            snr = float(arng.uniform(*SNR_RANGE_DB))
            sources = []
            if color == "babble" and babble_bank is not None:
                sources = babble_bank.sources(clip)
            if color == "babble" and not sources:
                color, extra = "pink", {"babble_fallback": "no other word in the split"}
            if color == "hum":
                z, extra = _aug.mains_hum(arng, n, sample_rate)
            elif color == "babble":
                k = int(arng.integers(BABBLE_TALKERS[0], BABBLE_TALKERS[1] + 1))
                z, names = _aug.babble(arng, n, sources, k)
                extra = {"babble_of": names}
            else:
                z = _colored_noise(arng, n, color)
            y += z * math.sqrt(p_speech / 10 ** (snr / 10))
    peak = _log_uniform(rng, *PEAK_RANGE)
    y *= peak / float(np.max(np.abs(y)))
    info.update(noise=color, snr_db=None if snr is None else round(snr, 2), **extra)
    info["peak"] = round(peak, 6)
    return y, info


def _clean_speech(clip: _Clip, sample_rate: int) -> np.ndarray:
    """The clip's word as spoken (its voice settings, trimmed, 1 s at most, unit peak): what
    the clip contributes to another clip's babble."""
    rng = np.random.default_rng(clip.seed)
    rate, pitch, amp, speed = _draw_voice_settings(rng)
    raw, raw_rate = _speak_clip(engine_of(str(clip.voice)), clip, rate, pitch, amp)
    raw = _trim(raw, raw_rate)
    if raw.size == 0:
        return np.zeros(0)
    x = soxr.resample(raw, raw_rate * speed, sample_rate, quality="HQ")[:sample_rate]
    return x.astype(np.float64) / float(np.max(np.abs(x)))


class _BabbleBank:
    """Per split, :data:`BABBLE_BANK_SIZE` word clips of the plan (a seeded choice) whose clean
    speech is mixed into the babble of that split's clips (so no voice crosses splits).

    The bank is rendered lazily, once per run; it depends only on the plan, so the babble of a
    clip does not depend on the order in which clips are made, on ``jobs`` or on resuming."""

    def __init__(self, clips: Sequence[_Clip], seed: int, sample_rate: int):
        self.sample_rate = sample_rate
        self.members: dict[str, list[_Clip]] = {}
        for si, split in enumerate((*_SPLITS, _HOLDOUT)):
            pool = sorted(
                (c for c in clips if c.split == split and c.text is not None),
                key=lambda c: c.relpath,
            )
            rng = np.random.default_rng([seed, 0xBAB, si])
            keep = rng.permutation(len(pool))[:BABBLE_BANK_SIZE] if pool else []
            self.members[split] = [pool[int(i)] for i in sorted(keep)]
        self._audio: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _get(self, clip: _Clip) -> np.ndarray:
        with self._lock:
            x = self._audio.get(clip.relpath)
        if x is None:
            x = _clean_speech(clip, self.sample_rate)
            with self._lock:
                self._audio[clip.relpath] = x
        return x

    def sources(self, clip: _Clip) -> list[tuple[str, np.ndarray]]:
        """``(relpath, clean speech)`` of the bank clips of ``clip``'s split with other words."""
        out = []
        for m in self.members.get(clip.split, []):
            if m.word != clip.word:
                x = self._get(m)
                if x.size:
                    out.append((m.relpath, x))
        return out


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


def _split_speakers(
    speakers: Mapping[str, Sequence[str]],
    test_fraction: float,
    validation_fraction: float,
    seed: int,
) -> dict[str, list[str]]:
    """Assign whole speakers (``{speaker: voices}``) of the flite and festival voices to splits.

    With three speakers or more, each non-zero fraction gets at least one speaker and training
    keeps at least one; with fewer, all go to training."""
    names = sorted(speakers)
    out: dict[str, list[str]] = {s: [] for s in _SPLITS}
    if not names:
        return out
    order = [str(v) for v in np.random.default_rng([seed, 0x5EED, 1]).permutation(names)]
    n = len(order)
    n_test = n_val = 0
    if n >= 3:
        n_test = max(1, round(n * test_fraction)) if test_fraction > 0 else 0
        n_val = max(1, round(n * validation_fraction)) if validation_fraction > 0 else 0
    parts = {
        "testing": order[:n_test],
        "validation": order[n_test : n_test + n_val],
        "train": order[n_test + n_val :],
    }
    for split, who in parts.items():
        out[split] = sorted(v for spk in who for v in speakers[spk])
    return out


def _assign_voices(
    voices: Sequence[str],
    test_fraction: float,
    validation_fraction: float,
    seed: int,
    holdout_engine: str | None,
) -> dict[str, list[str]]:
    """Voices per split: espeak-ng voices split as :func:`_split_voices`, flite and festival
    voices by speaker (:func:`_split_speakers`; a speaker with voices in both engines stays in
    one split), and every voice of ``holdout_engine`` in the ``holdout`` split."""
    out: dict[str, list[str]] = {s: [] for s in (*_SPLITS, _HOLDOUT)}
    held = sorted(v for v in voices if engine_of(v).name == holdout_engine)
    rest = [v for v in voices if engine_of(v).name != holdout_engine]
    espeak = [v for v in rest if engine_of(v).name == "espeak-ng"]
    speakers: dict[str, list[str]] = {}
    for v in rest:
        if engine_of(v).name != "espeak-ng":
            speakers.setdefault(engine_of(v).speaker(v), []).append(v)
    parts = [_split_speakers(speakers, test_fraction, validation_fraction, seed)]
    if espeak:
        parts.append(_split_voices(espeak, test_fraction, validation_fraction, seed))
    for part in parts:
        for split in _SPLITS:
            out[split] = sorted(out[split] + part[split])
    out[_HOLDOUT] = held
    return out


def _split_counts(n: int, test_fraction: float, validation_fraction: float) -> dict[str, int]:
    def part(f: float) -> int:
        return max(1, round(n * f)) if f > 0 and n >= 3 else round(n * f)

    n_test, n_val = part(test_fraction), part(validation_fraction)
    return {"testing": n_test, "validation": n_val, "train": max(0, n - n_test - n_val)}


_GOLDEN = 0.6180339887498949


def _plan(
    lang: str,
    words: Mapping[str, str],
    per_word: int,
    n_silence: int,
    split_voices: Mapping[str, Sequence[str]],
    fractions: tuple[float, float],
    seed: int,
    weights: Mapping[str, float] | None = None,
    holdout_engine: str | None = None,
) -> list[_Clip]:
    """Every clip of the corpus. Each word's clips of a split go to the engines in proportion
    to ``weights`` (a golden-ratio sequence over the split's clips of all words, so small
    corpora still mix engines), and within an engine round-robin over its shuffled voices."""
    weights = dict(weights or {"espeak-ng": 1.0})
    total_w = sum(weights.values())
    n_hold = 0
    if holdout_engine is not None:
        n_hold = max(1, round(per_word * weights[holdout_engine] / total_w))
    clips: list[_Clip] = []
    counter = dict.fromkeys((*_SPLITS, _HOLDOUT), 0)
    for word in sorted(words):
        counts = _split_counts(per_word - n_hold, *fractions)
        counts[_HOLDOUT] = n_hold
        for split in (*_SPLITS, _HOLDOUT):
            if not counts[split]:
                continue
            pools: dict[str, list[str]] = {}
            for v in split_voices.get(split, []):
                pools.setdefault(engine_of(v).name, []).append(v)
            here = [e for e in weights if e in pools]
            if not here:
                raise ValueError(f"no voice left for the {split} split")
            for e in here:
                key = split if e == "espeak-ng" else f"{split}|{e}"
                order = np.random.default_rng([seed, _clip_seed(0, lang, word, key)])
                pools[e] = [str(v) for v in order.permutation(pools[e])]
            w = np.array([weights[e] for e in here], dtype=float)
            cum = np.cumsum(w / w.sum())
            used = dict.fromkeys(here, 0)
            seen: dict[str, int] = {}
            for _ in range(counts[split]):
                if len(here) == 1:
                    e = here[0]
                else:
                    u = ((counter[split] + 0.5) * _GOLDEN) % 1.0
                    e = here[min(int(np.searchsorted(cum, u, side="right")), len(here) - 1)]
                counter[split] += 1
                voice = pools[e][used[e] % len(pools[e])]
                used[e] += 1
                h = _voice_hash(voice)
                k = seen.get(h, 0)
                seen[h] = k + 1
                name = f"{h}_nohash_{k}.wav"
                rel = f"{word}/{name}" if split != _HOLDOUT else f"{_HOLDOUT_DIR}/{word}/{name}"
                seed_i = _clip_seed(seed, lang, word, name)
                clips.append(_Clip(word, words[word], voice, split, rel, seed_i))
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


def _resolve_engines(engines: str | Sequence[str], lang: str) -> tuple[list[Engine], list[str]]:
    """The engines to use, and the notes about those skipped (``engines="all"``)."""
    if isinstance(engines, str):
        names = list(ENGINES) if engines == "all" else [e.strip() for e in engines.split(",")]
        implicit = engines == "all"
    else:
        names, implicit = [str(e) for e in engines], False
    if not names or len(set(names)) != len(names):
        raise ValueError(f"engines must name each engine once, got {engines!r}")
    chosen, notes = [], []
    for name in names:
        engine = get_engine(name)
        if engine.languages is not None and lang not in engine.languages:
            if implicit:
                continue  # flite and festival speak English only: nothing to note
            raise ValueError(
                f"{engine.name} does not speak lang {lang!r} (only {', '.join(engine.languages)})"
            )
        if not engine.available():
            if not implicit:
                raise RuntimeError(engine.missing_message())
            notes.append(f"{engine.missing_message()}; skipped")
            continue
        chosen.append(engine)
    if not chosen:
        raise RuntimeError(
            f"no speech engine is installed for lang {lang!r}: "
            + ENGINES["espeak-ng"].missing_message()
        )
    return chosen, notes


def _engine_voices(engine: Engine, lang: str, notes: list[str]) -> list[str]:
    voices = engine.voices(lang)
    missing = getattr(engine, "missing_voices", None)
    if missing is not None:
        gone = missing()
        if gone:
            notes.append(
                f"{engine.name}: voice package(s) not installed, skipped: {' '.join(gone)} "
                f"(`apt-get install {' '.join(gone)}`)"
            )
    return voices


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
    engines: str | Sequence[str] = ("espeak-ng",),
    augment: bool = False,
    holdout_engine: str | None = None,
    engine_weights: Mapping[str, float] | None = None,
) -> dict:
    """Synthesize a speech-commands corpus in the Google Speech Commands layout.

    See the module docstring for the engines and voices, the augmentation, the file layout,
    the voice-disjoint split, determinism and resuming.

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
        Clips per word, over all splits (the ``holdout`` split included).
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
        Number of worker threads (each runs synthesizer subprocesses); ``<= 0`` uses all CPUs.
    voices : sequence of str, optional
        Use these voice identifiers (``"en-us+f3"``, ``"flite:awb"``,
        ``"festival:kal_diphone"``) instead of every voice of the chosen engines (each is
        checked to produce audio).
    engines : str or sequence of str
        Engines to speak with: names from :data:`~tsreprog.data.engines.ENGINES`
        (``"espeak-ng"``, ``"flite"``, ``"festival"``), a comma-separated string of them, or
        ``"all"``: every installed engine that speaks ``lang`` (the missing ones are skipped
        with an :class:`EngineMissingWarning` naming the package to install). An engine
        named explicitly must be installed and speak ``lang``.
    augment : bool
        Vocal-tract-length and tempo perturbation, room reverberation (needs
        pyroomacoustics), and mains hum and babble among the background noises (see the
        module docstring). ``False`` makes the same clips as before augmentation existed.
    holdout_engine : str, optional
        Put every clip of this engine (one of ``engines``) in a separate ``holdout`` split,
        written under ``_holdout_/<word>/`` (itself a Google-Speech-Commands-style folder,
        which loaders of ``out_dir`` ignore, as they do every folder starting with ``_``),
        and none in training, validation or testing.
    engine_weights : mapping of str to float, optional
        Share of each engine's word clips (default :data:`ENGINE_WEIGHTS`, renormalised over
        the engines used).

    Returns
    -------
    dict
        The manifest written to ``out_dir/manifest.json`` (recipe with ``engines``: version,
        voices, share; ``voices`` per split, ``voice_hashes``, ``counts`` per split and word),
        plus ``"generated"`` (clips made by this call), ``"resumed"`` (clips found from an
        earlier run), ``"skipped_engines"``, ``"elapsed_s"`` and ``"clips_per_s"``. The
        parameters of every clip are in ``out_dir/clips.jsonl``.

    Raises
    ------
    RuntimeError
        If no engine (or an engine named in ``engines``) is installed, or a clip could not be
        synthesized.
    FileExistsError
        If ``out_dir`` holds other files, or a run with a different recipe.
    ValueError
        For unknown words, languages or engines, bad fractions, or too few voices.
    """
    t0 = time.perf_counter()
    from tsreprog._io import check_output_path

    check_output_path(out_dir, "OUT (out_dir=)", folder=True)
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
    chosen, notes = _resolve_engines(engines, lang)
    for note in notes:
        warnings.warn(note, EngineMissingWarning, stacklevel=2)
    names = [e.name for e in chosen]
    if holdout_engine is not None and holdout_engine not in names:
        raise ValueError(f"holdout_engine {holdout_engine!r} is not among the engines {names}")
    if holdout_engine is not None and len(names) < 2:
        raise ValueError("holdout_engine needs at least one other engine")
    if augment:
        try:
            import pyroomacoustics  # noqa: F401
        except ImportError:
            raise RuntimeError(_aug._PRA_MISSING) from None
    if voices is None:
        by_engine = {e.name: _engine_voices(e, lang, notes) for e in chosen}
    else:
        by_engine = {e.name: [] for e in chosen}
        for v in sorted(set(voices)):
            e = engine_of(v)
            if e.name not in by_engine:
                raise ValueError(f"voice {v!r} belongs to {e.name}, which is not in {names}")
            by_engine[e.name].append(v)
        probe = next(iter(word_texts.values()), "1")
        broken = [v for v in sorted(set(voices)) if _probe_voice(v, probe) is None]
        if broken:
            raise ValueError(f"voice(s) {broken} produce no audio; see list_voices()")
    if word_texts:
        for name in list(by_engine):
            if not by_engine[name]:
                if len(by_engine) == 1:
                    raise RuntimeError(f"{name} has no usable voice for lang {lang!r}")
                notes.append(f"{name}: no usable voice for lang {lang!r}; not used")
                del by_engine[name]
    voice_list = sorted(v for vs in by_engine.values() for v in vs)
    weights_in = dict(ENGINE_WEIGHTS if engine_weights is None else engine_weights)
    missing_w = [n for n in by_engine if weights_in.get(n, 0) <= 0]
    if missing_w:
        raise ValueError(f"engine_weights gives no positive share to {missing_w}")
    total_w = sum(weights_in[n] for n in by_engine)
    weights = {n: weights_in[n] / total_w for n in names if n in by_engine}
    fractions = (float(test_fraction), float(validation_fraction))
    if word_texts:
        split_voices = _assign_voices(voice_list, *fractions, seed, holdout_engine)
    else:
        split_voices = {s: [] for s in (*_SPLITS, _HOLDOUT)}
    hashes = {_voice_hash(v): v for v in voice_list}
    if len(hashes) != len(voice_list):  # pragma: no cover - SHA-1 prefix collision
        raise RuntimeError("two voices share a file-name hash; restrict `voices`")

    augmentation: dict = {
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
    }
    if augment:
        import pyroomacoustics as pra
        import torchaudio

        augmentation.update(
            vtlp_alpha=list(VTLP_RANGE),
            tempo=list(TEMPO_RANGE),
            reverb_probability=REVERB_PROBABILITY,
            rt60_s=list(RT60_RANGE),
            max_image_order=MAX_IMAGE_ORDER,
            noise_kinds=dict(NOISE_KINDS) if noise else {},
            babble_talkers=list(BABBLE_TALKERS),
            babble_bank_per_split=BABBLE_BANK_SIZE,
            libraries={
                "pyroomacoustics": pra.__version__,
                "torchaudio": torchaudio.__version__,
                "soxr": soxr.__version__,
            },
        )
    engines_info = {
        n: {
            "version": get_engine(n).version(),
            "package": get_engine(n).package,
            "share": round(weights[n], 6),
            "voices": list(by_engine[n]),
        }
        for n in weights
    }
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
        "augment": bool(augment),
        "holdout_engine": holdout_engine,
        "engines": engines_info,
        "espeak_ng_version": engines_info.get("espeak-ng", {}).get("version"),
        "augmentation": augmentation,
        "voices": {s: list(split_voices[s]) for s in (*_SPLITS, _HOLDOUT)},
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
    for pattern in (".*.tmp", "*/.*.tmp", f"{_HOLDOUT_DIR}/*/.*.tmp"):  # of an interrupted run
        for leftover in out.glob(pattern):
            leftover.unlink(missing_ok=True)
    atomic_write_text(
        manifest_path,
        json.dumps({"recipe": recipe, "status": "incomplete"}, indent=2, ensure_ascii=False),
    )

    clips = _plan(
        lang, word_texts, per_word, n_silence, split_voices, fractions, seed, weights,
        holdout_engine,
    )  # fmt: skip
    records = _read_records(out / _CLIPS_PARTIAL) | _read_records(out / _CLIPS)
    todo = [c for c in clips if not (out / c.relpath).exists() or c.relpath not in records]
    for folder in {str(Path(c.relpath).parent) for c in todo}:
        (out / folder).mkdir(parents=True, exist_ok=True)
    bank = _BabbleBank(clips, seed, sample_rate) if augment and noise else None
    log_lock = threading.Lock()
    log = open(out / _CLIPS_PARTIAL, "a", encoding="utf-8")  # noqa: SIM115 - closed below

    def make(clip: _Clip) -> None:
        if clip.text is None:
            y, info = _render_silence(clip, sample_rate)
        else:
            y, info = _render_word(clip, sample_rate, noise, augment, bank)
        buf = io.BytesIO()
        sf.write(buf, _to_pcm16(y), sample_rate, subtype="PCM_16", format="WAV")
        atomic_write(out / clip.relpath, lambda f: f.write(buf.getvalue()))
        rec = {"path": clip.relpath, "split": clip.split, "word": clip.word, **info}
        line = json.dumps(rec, ensure_ascii=False)
        with log_lock:
            records[clip.relpath] = rec
            log.write(line + "\n")
            log.flush()

    n_jobs = (os.cpu_count() or 1) if jobs <= 0 else int(jobs)
    failures: list[str] = []
    errors = (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired)
    try:
        with tqdm(total=len(todo), disable=not progress, desc=f"synth {lang}", unit="clip") as bar:
            if n_jobs == 1:
                for c in todo:
                    try:
                        make(c)
                    except errors as e:
                        failures.append(f"{c.relpath}: {e}")
                    bar.update()
            else:
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    futures = {pool.submit(make, c): c for c in todo}
                    try:
                        for fut in as_completed(futures):
                            exc = fut.exception()
                            if exc is not None:
                                if not isinstance(exc, errors):
                                    raise exc
                                failures.append(f"{futures[fut].relpath}: {exc}")
                            bar.update()
                    except BaseException:
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise
    finally:
        log.close()
    if failures:
        head = "\n  ".join(failures[:10])
        more = f"\n  ... and {len(failures) - 10} more" if len(failures) > 10 else ""
        raise RuntimeError(
            f"{len(failures)} clip(s) could not be synthesized (rerun to resume):\n  {head}{more}"
        )

    main = [c for c in clips if c.split != _HOLDOUT]
    lists = {s: sorted(c.relpath for c in main if c.split == s) for s in _SPLITS}
    atomic_write_text(out / "validation_list.txt", "".join(p + "\n" for p in lists["validation"]))
    atomic_write_text(out / "testing_list.txt", "".join(p + "\n" for p in lists["testing"]))
    held = sorted(c.relpath for c in clips if c.split == _HOLDOUT)
    if held:  # _holdout_/ is a corpus of its own: every clip is a test clip there
        rel = "".join(p.split("/", 1)[1] + "\n" for p in held)
        atomic_write_text(out / _HOLDOUT_DIR / "testing_list.txt", rel)
        atomic_write_text(out / _HOLDOUT_DIR / "validation_list.txt", "")
    atomic_write_text(
        out / _CLIPS,
        "".join(
            json.dumps(records[c.relpath], ensure_ascii=False) + "\n"
            for c in sorted(clips, key=lambda c: c.relpath)
        ),
    )
    (out / _CLIPS_PARTIAL).unlink(missing_ok=True)
    counts: dict[str, dict[str, int]] = {s: {} for s in (*_SPLITS, _HOLDOUT)}
    for c in clips:
        counts[c.split][c.word] = counts[c.split].get(c.word, 0) + 1
    per_engine: dict[str, int] = {}
    for c in clips:
        if c.voice is not None:
            per_engine[engine_of(c.voice).name] = per_engine.get(engine_of(c.voice).name, 0) + 1
    manifest = {
        "recipe": recipe,
        "status": "complete",
        "voice_hashes": {h: hashes[h] for h in sorted(hashes)},
        "counts": {
            s: dict(sorted(counts[s].items())) for s in counts if counts[s] or s != _HOLDOUT
        },
        "clips_per_engine": per_engine,
        "total_clips": len(clips),
        "clip_parameters": _CLIPS,
        "notes": notes,
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - t0
    result = dict(manifest)
    result.update(
        out_dir=str(out),
        generated=len(todo),
        resumed=len(clips) - len(todo),
        skipped_engines=notes,
        elapsed_s=round(elapsed, 3),
        clips_per_s=round(len(todo) / elapsed, 2) if elapsed > 0 else None,
    )
    return result


def _read_records(path: Path) -> dict[str, dict]:
    """Per-clip records of an earlier run (lines cut short by an interruption are skipped)."""
    out: dict[str, dict] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("path"), str):
            out[rec["path"]] = rec
    return out


def _probe_voice(voice: str, text: str) -> bytes | None:
    """Audio of ``text`` in ``voice`` (any engine) as bytes, or ``None`` if it gives none."""
    engine = engine_of(voice)
    if engine.name == "espeak-ng":
        return _probe(espeak_executable(), voice, text)
    try:
        x, _ = engine.render(text, voice)
    except (RuntimeError, ValueError, KeyError, subprocess.TimeoutExpired):
        return None
    if x.size == 0 or float(np.max(np.abs(x))) < 1e-3:
        return None
    return x.tobytes()
