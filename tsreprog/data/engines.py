"""Speech synthesizers that :mod:`tsreprog.data.synth` can speak a corpus with.

One class per engine, all with the same small interface (:class:`Engine`):

* :class:`EspeakNG` -- espeak-ng, a formant synthesizer with about 100 languages and voice
  variants (Debian package ``espeak-ng``);
* :class:`Flite` -- CMU Flite 2.2 with its built-in English voices ``kal``, ``kal16`` (diphone)
  and ``awb``, ``rms``, ``slt`` (clustergen voices built from CMU ARCTIC recordings)
  (Debian package ``flite``);
* :class:`Festival` -- the Festival Speech Synthesis System's ``text2wave`` with the English
  diphone voices ``kal_diphone`` (``festvox-kallpc16k``) and ``ked_diphone``
  (``festvox-kdlpc16k``) and the HTS voice ``cmu_us_slt_arctic_hts`` (``festvox-us-slt-hts``).

A *voice identifier* names the engine: espeak-ng voices are plain (``"en-us+f3"``, as in
corpora made before the other engines existed), the others carry the engine as a prefix
(``"flite:awb"``, ``"festival:kal_diphone"``); :func:`engine_of` maps an identifier back to
its engine.

:meth:`Engine.render` takes engine-independent settings: ``rate`` is the speaking rate relative
to the voice's default (``1.0``; ``1.3`` is 30 % faster), ``pitch`` the mean pitch on a
relative scale of ``-1 .. 1`` (``0`` is the voice's default; espeak-ng maps it to ``-p`` 0..99,
flite and the festival diphone voices to a mean F0 up to half an octave away from the voice's
own). The HTS voice has no pitch control in festival, so it ignores ``pitch`` (the synthesizer
then varies pitch through its speed and vocal-tract-length perturbation). ``amplitude`` only
reaches espeak-ng (``-a``); every clip's level is set afterwards anyway.

All three engines are deterministic: the same arguments give the same samples.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf

__all__ = [
    "ENGINES",
    "Engine",
    "EspeakNG",
    "Festival",
    "Flite",
    "engine_of",
    "get_engine",
]

_ESPEAK_NOT_FOUND = (
    "espeak-ng was not found on PATH; install it with `apt-get install espeak-ng` "
    "(Debian/Ubuntu) or `brew install espeak-ng` (macOS)"
)


class Engine:
    """Interface of a speech engine (see the module docstring for the settings' meaning)."""

    #: Engine name, as used by ``synthesize_commands(engines=...)`` and in the manifest.
    name: str = ""
    #: Debian/Ubuntu package(s) that install the engine.
    package: str = ""
    #: Language codes the engine speaks (``None``: ask :meth:`voices`).
    languages: tuple[str, ...] | None = None
    #: Prefix of the voice identifiers of this engine (``""`` for espeak-ng).
    prefix: str = ""

    def available(self) -> bool:
        """Whether the engine's program is installed."""
        raise NotImplementedError

    def missing_message(self) -> str:
        """One sentence saying the engine is missing and how to install it."""
        return f"{self.name} is not installed (Debian/Ubuntu: `apt-get install {self.package}`)"

    def version(self) -> str:
        """Version string of the installed engine."""
        raise NotImplementedError

    def voices(self, lang: str) -> list[str]:
        """Usable voice identifiers for ``lang`` (empty when the engine does not speak it)."""
        raise NotImplementedError

    def speaker(self, voice: str) -> str:
        """The person behind ``voice``: voices of one speaker stay in one split."""
        return voice

    def render(
        self, text: str, voice: str, rate: float = 1.0, pitch: float = 0.0, amplitude: float = 1.0
    ) -> tuple[np.ndarray, int]:
        """Speak ``text``; returns ``(float32 mono samples in [-1, 1], sample_rate)``."""
        raise NotImplementedError

    def supports_pitch(self, voice: str) -> bool:
        """Whether ``render`` honours ``pitch`` for ``voice``."""
        return True


# --------------------------------------------------------------------------------------------
# espeak-ng
# --------------------------------------------------------------------------------------------


def espeak_executable() -> str:
    """Path of the espeak-ng executable, or a clear :class:`RuntimeError`."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError(_ESPEAK_NOT_FOUND)
    return exe


@cache
def tool_version(exe: str) -> str:
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


def espeak_speak(
    exe: str, voice: str, text: str, rate: int = 175, pitch: int = 50, amplitude: int = 100
) -> tuple[np.ndarray, int]:
    """Run espeak-ng once (native units: words/minute, 0-99, 0-200)."""
    cmd = [exe, "-b", "1", "-v", voice, "-s", str(rate), "-p", str(pitch), "-a", str(amplitude)]
    proc = subprocess.run(
        [*cmd, "--stdout"], input=text.encode("utf-8"), capture_output=True, timeout=60
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"espeak-ng failed for voice {voice!r}: {msg[-1] if msg else ''}")
    return _parse_wav_bytes(proc.stdout)


class EspeakNG(Engine):
    """espeak-ng; ``rate=1`` is 175 words/minute, ``pitch=0`` is ``-p 50``."""

    name = "espeak-ng"
    package = "espeak-ng"
    #: words/minute at ``rate=1`` (espeak-ng's default)
    BASE_WPM = 175

    def available(self) -> bool:
        return shutil.which("espeak-ng") is not None

    def missing_message(self) -> str:
        return _ESPEAK_NOT_FOUND

    def version(self) -> str:
        return tool_version(espeak_executable())

    def voices(self, lang: str) -> list[str]:
        from tsreprog.data.synth import list_voices

        return list_voices(lang)

    def native(self, rate: float, pitch: float, amplitude: float) -> tuple[int, int, int]:
        """``(-s words/minute, -p pitch, -a amplitude)`` for the relative settings."""
        wpm = round(self.BASE_WPM * rate)
        p = min(99, max(0, round(50 + 50 * pitch)))
        return wpm, p, min(200, max(0, round(100 * amplitude)))

    def render(self, text, voice, rate=1.0, pitch=0.0, amplitude=1.0):
        return espeak_speak(espeak_executable(), voice, text, *self.native(rate, pitch, amplitude))


# --------------------------------------------------------------------------------------------
# flite
# --------------------------------------------------------------------------------------------


def _read_wav(path: str) -> tuple[np.ndarray, int]:
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    return x.mean(axis=1), int(sr)


def _run_to_wav(cmd: list[str], what: str, stdin: bytes | None = None) -> tuple[np.ndarray, int]:
    """Run ``cmd`` (which writes the WAV named by its ``{out}`` argument) and read the WAV."""
    fd, tmp = tempfile.mkstemp(prefix="tsreprog-tts-", suffix=".wav")
    os.close(fd)
    try:
        full = [tmp if a == "{out}" else a for a in cmd]
        proc = subprocess.run(full, input=stdin, capture_output=True, timeout=120, check=False)
        if proc.returncode != 0 or os.path.getsize(tmp) == 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"{what} failed: {msg[-1] if msg else 'no audio'}")
        return _read_wav(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


class Flite(Engine):
    """CMU Flite; ``rate`` sets ``duration_stretch`` (its inverse), ``pitch`` sets
    ``int_f0_target_mean`` relative to the voice's own mean F0."""

    name = "flite"
    package = "flite"
    languages = ("en",)
    prefix = "flite:"
    #: the built-in voices used, with their mean F0 in Hz and their speaker. awb, rms, slt:
    #: the median F0 that librosa's pYIN finds in "forward" at the default settings, rounded;
    #: kal, kal16: festival's kal_diphone target_f0_mean (pYIN found no steady F0 for them)
    VOICES: dict[str, tuple[float, str]] = {
        "awb": (115.0, "awb"),
        "kal": (105.0, "kal"),
        "kal16": (105.0, "kal"),
        "rms": (100.0, "rms"),
        "slt": (165.0, "slt"),
    }

    def available(self) -> bool:
        return shutil.which("flite") is not None

    def _exe(self) -> str:
        exe = shutil.which("flite")
        if exe is None:
            raise RuntimeError(self.missing_message())
        return exe

    def version(self) -> str:
        return _version_in(self._exe(), r"version:\s*(\S+)")

    def voices(self, lang: str) -> list[str]:
        if lang not in self.languages:
            return []
        listed = _flite_voices(self._exe())
        return [self.prefix + v for v in sorted(self.VOICES) if v in listed]

    def speaker(self, voice: str) -> str:
        return self.VOICES[voice.removeprefix(self.prefix)][1]

    def render(self, text, voice, rate=1.0, pitch=0.0, amplitude=1.0):
        name = voice.removeprefix(self.prefix)
        f0 = self.VOICES[name][0] * 2.0 ** (0.5 * pitch)
        cmd = [self._exe(), "-voice", name, "--setf", f"duration_stretch={1.0 / rate:.6f}"]
        cmd += ["--setf", f"int_f0_target_mean={f0:.3f}", "-t", text, "-o", "{out}"]
        return _run_to_wav(cmd, f"flite (voice {name!r})")


@cache
def _version_in(exe: str, pattern: str) -> str:
    """The version ``exe --version`` prints (``pattern``'s first group), else its whole output."""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(pattern, out)
    return m.group(1) if m else out.strip()


@cache
def _flite_voices(exe: str) -> frozenset[str]:
    out = subprocess.run([exe, "-lv"], capture_output=True, text=True, check=False).stdout
    return frozenset(out.split(":", 1)[-1].split())


# --------------------------------------------------------------------------------------------
# festival
# --------------------------------------------------------------------------------------------


class Festival(Engine):
    """Festival's ``text2wave``; ``rate`` sets ``Duration_Stretch`` (its inverse), ``pitch``
    the diphone voices' ``target_f0_mean``."""

    name = "festival"
    package = "festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts"
    languages = ("en",)
    prefix = "festival:"

    def __init__(self):
        import threading

        self._local = threading.local()  # one festival process per thread

    #: voice -> (Debian package, mean F0 of the intonation model or None, speaker)
    VOICES: dict[str, tuple[str, float | None, str]] = {
        "cmu_us_slt_arctic_hts": ("festvox-us-slt-hts", None, "slt"),
        "kal_diphone": ("festvox-kallpc16k", 105.0, "kal"),
        "ked_diphone": ("festvox-kdlpc16k", 105.0, "ked"),
    }

    def available(self) -> bool:
        return shutil.which("text2wave") is not None and shutil.which("festival") is not None

    def _exe(self) -> str:
        exe = shutil.which("text2wave")
        if exe is None or shutil.which("festival") is None:
            raise RuntimeError(self.missing_message())
        return exe

    def version(self) -> str:
        return _version_in(shutil.which("festival") or self._exe(), r"System:\s*([\d.]+)")

    def voices(self, lang: str) -> list[str]:
        if lang not in self.languages:
            return []
        return [self.prefix + v for v in sorted(self.VOICES) if _festival_has(self._exe(), v)]

    def missing_voices(self) -> list[str]:
        """Debian packages of the voices that are not installed."""
        return [
            p for v, (p, _, _) in sorted(self.VOICES.items()) if not _festival_has(self._exe(), v)
        ]

    def speaker(self, voice: str) -> str:
        return self.VOICES[voice.removeprefix(self.prefix)][2]

    def supports_pitch(self, voice: str) -> bool:
        return self.VOICES[voice.removeprefix(self.prefix)][1] is not None

    def _script(self, name: str, rate: float, pitch: float) -> list[str]:
        evals = [f"(voice_{name})", f"(Parameter.set 'Duration_Stretch {1.0 / rate:.6f})"]
        f0 = self.VOICES[name][1]
        if f0 is not None:
            mean = f0 * 2.0 ** (0.5 * pitch)
            evals.append(
                f"(set! int_lr_params '((target_f0_mean {mean:.3f}) (target_f0_std 14) "
                "(model_f0_mean 170) (model_f0_std 34)))"
            )
        return [a for e in evals for a in ("-eval", e)]

    def render(self, text, voice, rate=1.0, pitch=0.0, amplitude=1.0):
        name = voice.removeprefix(self.prefix)
        if not re.fullmatch(r"[A-Za-z0-9' -]+", text):
            raise ValueError(f"festival: text {text!r} has characters outside [A-Za-z0-9' -]")
        evals = self._script(name, rate, pitch)[1::2]
        server = getattr(self._local, "server", None)
        if server is None:
            server = self._local.server = _FestivalPipe(self._festival())
        return server.say(evals, text, f"festival (voice {name!r})")

    def _festival(self) -> str:
        self._exe()
        return shutil.which("festival") or "festival"


class _FestivalPipe:
    """One ``festival --pipe`` process that speaks many utterances (festival takes ~0.4 s to
    start, ~0.02 s to speak a word). Every utterance first selects its voice, which resets
    festival's voice state, then sets its own parameters: the audio does not depend on what
    was spoken before (the tests compare it with a fresh ``text2wave``)."""

    def __init__(self, exe: str):
        self.exe = exe
        self.proc: subprocess.Popen | None = None
        self.n = 0

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [self.exe, "--pipe"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        return self.proc

    def say(self, evals: list[str], text: str, what: str) -> tuple[np.ndarray, int]:
        proc = self._start()
        fd, tmp = tempfile.mkstemp(prefix="tsreprog-tts-", suffix=".wav")
        os.close(fd)
        Path(tmp).unlink()
        self.n += 1
        marker = f"tsreprog-done-{self.n}"
        cmds = [
            *evals,
            f'(utt.save.wave (utt.synth (Utterance Text "{text}")) "{tmp}" (quote riff))',
            f'(print "{marker}")',
            "(fflush nil)",  # festival buffers its output when it writes to a pipe
        ]
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("\n".join(cmds) + "\n")
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                if not line:
                    self.proc = None
                    raise RuntimeError(f"{what} failed: festival exited")
                if line.strip() == f'"{marker}"':
                    break
            if not os.path.exists(tmp) or os.path.getsize(tmp) == 0:
                raise RuntimeError(f"{what} failed: no audio (is the voice installed?)")
            return _read_wav(tmp)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def __del__(self):  # pragma: no cover - interpreter shutdown order varies
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()


@cache
def _festival_has(exe: str, name: str) -> bool:
    """Whether festival can load ``voice_<name>`` and speak with it."""
    try:
        x, _ = _run_to_wav(
            [exe, "-eval", f"(voice_{name})", "-o", "{out}"], "festival", stdin=b"one"
        )
    except (RuntimeError, subprocess.TimeoutExpired):
        return False
    return x.size > 0 and float(np.max(np.abs(x))) > 1e-3


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

#: All engines, by name, in the order they are listed in manifests.
ENGINES: dict[str, Engine] = {e.name: e for e in (EspeakNG(), Flite(), Festival())}


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (a key of :data:`ENGINES`)."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}") from None


def engine_of(voice: str) -> Engine:
    """The engine that speaks the voice identifier ``voice``."""
    for e in ENGINES.values():
        if e.prefix and voice.startswith(e.prefix):
            return e
    return ENGINES["espeak-ng"]
