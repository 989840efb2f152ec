"""Tests for the speech-commands synthesizer (tsreprog.data.synth) with espeak-ng alone.

The other engines and the augmentation are tested in tests/test_synth_engines.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tsreprog.data import synth
from tsreprog.data.synth import (
    LANGUAGE_WORDS,
    SPEECH_COMMANDS_CLASSES,
    list_voices,
    synthesize_commands,
)

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)

EN_WORDS = ["yes", "no", "marvin"]


def _split_files(root: Path) -> dict[str, set[str]]:
    """Relative wav paths per split, read back from the GSC-style lists."""
    val = set((root / "validation_list.txt").read_text().split())
    test = set((root / "testing_list.txt").read_text().split())
    every = {p.relative_to(root).as_posix() for p in root.glob("*/*.wav")}
    return {"train": every - val - test, "validation": val, "testing": test}


def _voice(relpath: str) -> str:
    return relpath.split("/", 1)[1].split("_nohash_")[0]


@pytest.fixture(scope="module")
def en_corpus(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "en"
    info = synthesize_commands(out, lang="en", words=EN_WORDS, per_word=4, progress=False, jobs=2)
    return out, info


def test_class_table_and_word_lists():
    assert len(SPEECH_COMMANDS_CLASSES) == 36
    assert SPEECH_COMMANDS_CLASSES[:3] == ("_silence_", "nine", "yes")
    assert SPEECH_COMMANDS_CLASSES[20] == "eight"
    assert SPEECH_COMMANDS_CLASSES[21] == "backward"
    assert SPEECH_COMMANDS_CLASSES[35] == "wow"
    assert list(LANGUAGE_WORDS["en"]) == list(SPEECH_COMMANDS_CLASSES[1:])
    sizes = {lang: len(words) for lang, words in LANGUAGE_WORDS.items()}
    assert sizes == {"en": 35, "lt": 15, "ar": 16, "cmn": 13}
    for words in LANGUAGE_WORDS.values():
        assert all(name.isascii() and name.isidentifier() for name in words)


@needs_espeak
def test_list_voices_includes_variants_and_only_working_voices():
    voices = list_voices("en")
    assert "en-us" in voices and "en-gb-scotland" in voices
    assert "en-us+f3" in voices
    assert len(voices) == len(set(voices)) > 100
    if shutil.which("mbrola") is None:  # mbrola voices cannot produce audio here
        assert not any(v.startswith("mb-") for v in voices)
    # espeak-ng 1.51's plain "cmn" voice reads Chinese characters as English: not usable
    assert all(v.split("+")[0] != "cmn" for v in list_voices("cmn"))


@needs_espeak
def test_layout_and_wav_format(en_corpus):
    out, info = en_corpus
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted([*EN_WORDS, "_silence_"])
    for folder in folders:
        wavs = sorted((out / folder).glob("*.wav"))
        assert len(wavs) == 4
        for wav in wavs:
            assert "_nohash_" in wav.name
            meta = sf.info(str(wav))
            assert (meta.samplerate, meta.channels, meta.frames) == (16000, 1, 16000)
            assert meta.subtype == "PCM_16" and meta.format == "WAV"
            x, _ = sf.read(str(wav), dtype="int16")
            assert np.abs(x).max() > 0
    assert not list(out.rglob("*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["recipe"]["lang"] == "en"
    assert manifest["recipe"]["espeak_ng_version"]
    assert list(manifest["recipe"]["engines"]) == ["espeak-ng"]
    assert manifest["recipe"]["engines"]["espeak-ng"]["version"] == synth.espeak_ng_version()
    # every clip's parameters are recorded, once
    records = [json.loads(line) for line in (out / "clips.jsonl").read_text().splitlines()]
    assert sorted(r["path"] for r in records) == sorted(
        p.relative_to(out).as_posix() for p in out.glob("*/*.wav")
    )
    words = [r for r in records if r["word"] != "_silence_"]
    assert all(r["engine"] == "espeak-ng" and 120 <= r["rate_wpm"] <= 450 for r in words)
    assert not (out / ".clips.partial.jsonl").exists()
    assert manifest["total_clips"] == 16 == info["generated"]
    assert sum(sum(c.values()) for c in manifest["counts"].values()) == 16


@needs_espeak
def test_split_is_voice_disjoint(en_corpus):
    out, info = en_corpus
    files = _split_files(out)
    assert all(files[s] for s in ("train", "validation", "testing"))
    voices = {s: {_voice(p) for p in paths} for s, paths in files.items()}
    assert not voices["testing"] & voices["train"]
    assert not voices["testing"] & voices["validation"]
    assert not voices["validation"] & voices["train"]
    # the manifest's voice assignment is disjoint and matches the file names
    split_voices = info["recipe"]["voices"]
    assert not set(split_voices["testing"]) & set(split_voices["train"])
    assert not set(split_voices["validation"]) & set(split_voices["train"])
    for split, paths in files.items():
        for p in paths:
            if not p.startswith("_silence_/"):
                assert info["voice_hashes"][_voice(p)] in split_voices[split]


@needs_espeak
def test_same_seed_gives_identical_files(en_corpus, tmp_path):
    out, _ = en_corpus
    again = tmp_path / "again"
    synthesize_commands(again, lang="en", words=EN_WORDS, per_word=4, progress=False, jobs=1)
    first = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel


@needs_espeak
def test_other_seed_differs_and_resume(tmp_path):
    voices = list_voices("en")[:30]
    kw = dict(lang="en", words=["yes"], per_word=3, progress=False, voices=voices)
    a = synthesize_commands(tmp_path / "a", seed=1, **kw)
    b = synthesize_commands(tmp_path / "b", seed=2, **kw)
    assert a["recipe"]["voices"] != b["recipe"]["voices"]
    # resume: a missing clip is remade identically, temporary leftovers are removed
    wav = sorted((tmp_path / "a" / "yes").glob("*.wav"))[0]
    original = wav.read_bytes()
    wav.unlink()
    leftover = wav.parent / f".{wav.name}.abc123.tmp"
    leftover.write_bytes(b"half a file")
    again = synthesize_commands(tmp_path / "a", seed=1, **kw)
    assert (again["generated"], again["resumed"]) == (1, 5)
    assert wav.read_bytes() == original
    assert not leftover.exists()
    # a different recipe in the same folder is refused, as is a foreign non-empty folder
    with pytest.raises(FileExistsError, match="different recipe"):
        synthesize_commands(tmp_path / "a", seed=3, **kw)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        synthesize_commands(tmp_path / "foreign", seed=1, **kw)


@needs_espeak
def test_lithuanian_run(tmp_path):
    out = tmp_path / "lt"
    info = synthesize_commands(
        out, lang="lt", words=["taip", "zemyn"], per_word=3, progress=False, jobs=2
    )
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["_silence_", "taip", "zemyn"]
    assert info["recipe"]["words"] == {"taip": "taip", "zemyn": "žemyn"}
    used = {v for vs in info["recipe"]["voices"].values() for v in vs}
    assert used and all(v.split("+")[0] == "lt" for v in used)
    for wav in out.glob("*/*.wav"):
        assert sf.info(str(wav)).frames == 16000


@needs_espeak
def test_long_words_are_sped_up_then_cropped(monkeypatch):
    monkeypatch.setattr(synth, "MAX_SPEECH_SECONDS", 0.1)
    clip = synth._Clip("backward", "backward", "en-us", "train", "backward/x.wav", seed=5)
    y, info = synth._render_word(clip, 16000, noise=False)
    assert y.shape == (16000,)
    assert info["rate_wpm"] > synth.RATE_RANGE[1]  # re-synthesized faster
    assert info["attempts"] > 1
    assert info["cropped"]  # and still too long for 0.1 s: cropped
    assert np.count_nonzero(y) <= 1600


def test_silence_clips_are_quiet_noise():
    for i in range(20):
        clip = synth._Clip("_silence_", None, None, "train", "_silence_/x.wav", seed=i)
        y, info = synth._render_silence(clip, 16000)
        assert y.shape == (16000,)
        assert 1e-4 * 0.99 <= np.abs(y).max() <= 0.5 * 1.01
        assert np.count_nonzero(synth._to_pcm16(y)) > 0


def test_unknown_word_is_rejected():
    with pytest.raises(ValueError, match="unknown word"):
        synth._resolve_words("lt", ["yes"])


@pytest.mark.parametrize("how", ["which", "path"])
def test_missing_espeak_gives_clear_error(monkeypatch, tmp_path, how):
    if how == "which":
        monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    else:
        monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="espeak-ng was not found on PATH.*apt-get install"):
        list_voices("en")
    with pytest.raises(RuntimeError, match="espeak-ng was not found"):
        synthesize_commands(tmp_path / "out", words=["yes"], per_word=3, progress=False)
    assert not (tmp_path / "out").exists()


@needs_espeak
def test_voice_that_produces_no_audio_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="zzqq"):
        synthesize_commands(
            tmp_path / "x", words=["yes"], per_word=3, progress=False, voices=["zzqq"]
        )
