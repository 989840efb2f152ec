"""Tests for the flite and festival engines, engine mixing and the per-clip augmentation of
the speech-commands synthesizer. Tests of an engine that is not installed are skipped; the
ones that need only espeak-ng (and pyroomacoustics for reverberation) run everywhere CI runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tsreprog.data import augment, engines, synth
from tsreprog.data.synth import EngineMissingWarning, synthesize_commands

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)
needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
needs_festival = pytest.mark.skipif(
    shutil.which("text2wave") is None, reason="festival is not installed"
)
needs_all = pytest.mark.skipif(
    any(shutil.which(x) is None for x in ("espeak-ng", "flite", "text2wave")),
    reason="needs espeak-ng, flite and festival",
)

WORDS = ["yes", "no", "marvin"]


def _records(root: Path) -> dict[str, dict]:
    lines = (root / "clips.jsonl").read_text().splitlines()
    return {r["path"]: r for r in map(json.loads, lines)}


def _clip(voice: str, seed: int = 3, word: str = "forward", split: str = "train"):
    return synth._Clip(word, word, voice, split, f"{word}/x.wav", seed)


# --------------------------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------------------------


@needs_espeak
def test_missing_engines_are_skipped_with_the_package_named(monkeypatch, tmp_path):
    real = shutil.which
    gone = {"flite", "festival", "text2wave"}
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name in gone else real(name))
    with pytest.warns(EngineMissingWarning) as caught:
        info = synthesize_commands(
            tmp_path / "a", words=["yes"], per_word=3, engines="all", progress=False
        )
    messages = [str(w.message) for w in caught]
    assert any("flite" in m and "apt-get install flite" in m for m in messages)
    assert any("festival" in m and "festvox-kallpc16k" in m for m in messages)
    assert list(info["recipe"]["engines"]) == ["espeak-ng"]
    assert info["clips_per_engine"] == {"espeak-ng": 3}
    # an engine asked for by name must be there
    with pytest.raises(RuntimeError, match=r"flite is not installed.*apt-get install flite"):
        synthesize_commands(tmp_path / "b", words=["yes"], per_word=3, engines="flite")
    assert not (tmp_path / "b").exists()


def test_english_only_engines_refuse_other_languages():
    with pytest.raises(ValueError, match="flite does not speak lang 'lt'"):
        synth._resolve_engines("espeak-ng,flite", "lt")
    with pytest.raises(ValueError, match="unknown engine 'mbrola'"):
        synth._resolve_engines("mbrola", "en")
    if shutil.which("espeak-ng"):  # "all" quietly leaves the English-only engines out
        chosen, notes = synth._resolve_engines("all", "lt")
        assert [e.name for e in chosen] == ["espeak-ng"] and not notes


def test_voice_identifiers_name_their_engine():
    assert engines.engine_of("en-us+f3").name == "espeak-ng"
    assert engines.engine_of("flite:awb").name == "flite"
    assert engines.engine_of("festival:kal_diphone").name == "festival"
    # one speaker behind voices of two engines: kept in one split
    assert engines.get_engine("flite").speaker("flite:kal16") == "kal"
    assert engines.get_engine("festival").speaker("festival:kal_diphone") == "kal"
    assert engines.get_engine("festival").speaker("festival:cmu_us_slt_arctic_hts") == "slt"


def _check_audio(x: np.ndarray, sr: int, expected_sr: int) -> None:
    assert sr == expected_sr
    assert x.dtype == np.float32 and x.ndim == 1
    assert 0.2 * sr < x.size < 3 * sr  # one word
    assert float(np.sqrt(np.mean(x**2))) > 0.01


@needs_flite
@pytest.mark.parametrize(
    "voice, rate", [("kal", 8000), ("kal16", 16000), ("awb", 16000), ("rms", 16000), ("slt", 16000)]
)
def test_flite_voices_speak(voice, rate):
    eng = engines.get_engine("flite")
    assert f"flite:{voice}" in eng.voices("en") and eng.voices("lt") == []
    x, sr = eng.render("forward", f"flite:{voice}")
    _check_audio(x, sr, rate)
    # slower speech is longer; the same call gives the same samples
    slow, _ = eng.render("forward", f"flite:{voice}", rate=0.7)
    assert slow.size > x.size * 1.2
    again, _ = eng.render("forward", f"flite:{voice}")
    assert np.array_equal(x, again)
    assert eng.version().startswith("flite-2")


@needs_festival
@pytest.mark.parametrize(
    "voice, rate",
    [("kal_diphone", 16000), ("ked_diphone", 16000), ("cmu_us_slt_arctic_hts", 32000)],
)
def test_festival_voices_speak(voice, rate):
    eng = engines.get_engine("festival")
    if f"festival:{voice}" not in eng.voices("en"):
        pytest.skip(f"festival voice {voice} is not installed")
    x, sr = eng.render("forward", f"festival:{voice}", rate=1.2, pitch=0.4)
    _check_audio(x, sr, rate)
    # the long-running festival process gives what a fresh text2wave gives, whatever it
    # spoke before (here: another voice, slower)
    eng.render("marvin", "festival:kal_diphone", rate=0.8, pitch=-0.5)
    cmd = [shutil.which("text2wave"), *eng._script(voice, 1.2, 0.4), "-o", "{out}"]
    fresh, fresh_sr = engines._run_to_wav(cmd, "text2wave", stdin=b"forward")
    again, _ = eng.render("forward", f"festival:{voice}", rate=1.2, pitch=0.4)
    assert fresh_sr == sr and np.array_equal(x, fresh) and np.array_equal(x, again)


@needs_festival
def test_festival_rejects_text_it_cannot_quote():
    with pytest.raises(ValueError, match="characters outside"):
        engines.get_engine("festival").render('a") (system "x', "festival:kal_diphone")


# --------------------------------------------------------------------------------------------
# augmentation
# --------------------------------------------------------------------------------------------


def test_warp_and_stretch_scales_frequency_and_duration():
    sr = 16000
    t = np.arange(sr) / sr
    tone = np.sin(2 * np.pi * 1000 * t)

    def peak_hz(x):
        return np.argmax(np.abs(np.fft.rfft(x * np.hanning(x.size)))) * sr / x.size

    warped = augment.warp_and_stretch(tone, sr, sr, alpha=1.1, tempo=1.0)
    assert abs(warped.size - sr) <= 2  # VTLP keeps the duration
    assert abs(peak_hz(warped) - 1100) < 5  # and scales the frequency
    slower = augment.warp_and_stretch(tone, sr, sr, alpha=1.0, tempo=0.8)
    assert abs(slower.size - sr / 0.8) <= 2  # tempo changes the duration
    assert abs(peak_hz(slower) - 1000) < 5  # not the frequency


def test_mains_hum_is_at_50_or_60_hz():
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, info = augment.mains_hum(rng, 16000, 16000)
        spec = np.abs(np.fft.rfft(x))
        assert np.argmax(spec) == info["hum_hz"]  # 1-s signal: bin k is k Hz
        assert spec[2 * int(info["hum_hz"])] > 0.1 * spec.max()  # a harmonic
        assert abs(float(np.sqrt(np.mean(x**2))) - 1) < 1e-9


def test_babble_sums_the_given_sources():
    rng = np.random.default_rng(1)
    sources = [(f"w{i}/x.wav", np.hanning(4000) * (i + 1)) for i in range(5)]
    x, names = augment.babble(rng, 16000, sources, k=3)
    assert len(names) == 3 and set(names) <= {n for n, _ in sources}
    assert abs(float(np.sqrt(np.mean(x**2))) - 1) < 1e-9


def test_room_reverberation_changes_the_clip():
    pytest.importorskip("pyroomacoustics")
    rng = np.random.default_rng(2)
    rir, room = augment.room_impulse_response(rng, 16000, (0.5, 0.6))
    assert 0.5 <= room["rt60_s"] <= 0.6 and len(room["room_m"]) == 3
    assert np.argmax(np.abs(rir)) <= 20 and rir.size > 1600  # direct path first, then a tail
    dry = np.zeros(16000)
    dry[2000:6000] = np.sin(2 * np.pi * 440 * np.arange(4000) / 16000)
    wet = augment.reverberate(dry, rir)
    assert wet.shape == dry.shape
    tail = slice(6500, 9000)  # after the tone stops, only the room is heard
    assert np.max(np.abs(dry[tail])) == 0 and np.max(np.abs(wet[tail])) > 0.01
    # a room that cannot be as dry as its drawn RT60 (Sabine would need absorption > 1) is
    # drawn again; with this seed the first room is such a room
    _, redrawn = augment.room_impulse_response(np.random.default_rng(3441), 16000)
    assert redrawn["room_redraws"] == 1 and 0 < redrawn["absorption"] < 1
    # the same generator state gives the same room
    again, _ = augment.room_impulse_response(np.random.default_rng(2), 16000, (0.5, 0.6))
    assert np.array_equal(rir, again)


@needs_espeak
def test_augmented_clip_is_deterministic_and_records_its_parameters(monkeypatch):
    pytest.importorskip("pyroomacoustics")
    monkeypatch.setattr(synth, "REVERB_PROBABILITY", 1.0)
    y1, info1 = synth._render_word(_clip("en-us"), 16000, noise=True, augment=True)
    y2, info2 = synth._render_word(_clip("en-us"), 16000, noise=True, augment=True)
    assert np.array_equal(y1, y2) and info1 == info2
    for key in ("vtlp_alpha", "tempo", "rate_wpm", "pitch", "speed", "peak", "offset_s"):
        assert info1[key] is not None, key
    assert info1["reverb"]["rt60_s"] > 0 and info1["reverb"]["max_order"] >= 1
    other, info3 = synth._render_word(_clip("en-us", seed=4), 16000, noise=True, augment=True)
    assert not np.array_equal(y1, other) and info3["vtlp_alpha"] != info1["vtlp_alpha"]
    # reverberation is what makes the difference between these two
    monkeypatch.setattr(synth, "REVERB_PROBABILITY", 0.0)
    dry, info_dry = synth._render_word(_clip("en-us"), 16000, noise=False, augment=True)
    monkeypatch.setattr(synth, "REVERB_PROBABILITY", 1.0)
    wet, _ = synth._render_word(_clip("en-us"), 16000, noise=False, augment=True)
    assert info_dry["reverb"] is None and dry.shape == wet.shape
    assert np.corrcoef(dry, wet)[0, 1] < 0.95


@needs_espeak
def test_babble_comes_from_other_words_of_the_same_split(monkeypatch, tmp_path):
    pytest.importorskip("pyroomacoustics")
    monkeypatch.setattr(synth, "NOISE_KINDS", {"babble": 1.0})
    monkeypatch.setattr(synth, "NOISE_PROBABILITY", 1.0)
    out = tmp_path / "b"
    voices = synth.list_voices("en")[:40]
    synthesize_commands(
        out, words=WORDS, per_word=4, augment=True, progress=False, voices=voices, jobs=2
    )
    records = _records(out)
    babbled = [r for r in records.values() if r.get("noise") == "babble"]
    assert len(babbled) >= 8
    for r in babbled:
        assert 1 <= len(r["babble_of"]) <= synth.BABBLE_TALKERS[1]
        for src in r["babble_of"]:
            assert records[src]["split"] == r["split"] and records[src]["word"] != r["word"]


# --------------------------------------------------------------------------------------------
# mixed-engine corpora
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    pytest.importorskip("pyroomacoustics")
    if any(shutil.which(x) is None for x in ("espeak-ng", "flite", "text2wave")):
        pytest.skip("needs espeak-ng, flite and festival")
    out = tmp_path_factory.mktemp("mixed") / "c"
    info = synthesize_commands(
        out, words=WORDS, per_word=6, engines="all", augment=True, progress=False, jobs=2
    )
    return out, info


@needs_all
def test_mixed_corpus_manifest_lists_engines_versions_and_clip_parameters(mixed):
    out, info = mixed
    manifest = json.loads((out / "manifest.json").read_text())
    recipe = manifest["recipe"]
    assert list(recipe["engines"]) == ["espeak-ng", "flite", "festival"]
    for name, eng in recipe["engines"].items():
        assert eng["version"] == engines.get_engine(name).version()
        assert eng["voices"] and 0 < eng["share"] < 1
    assert recipe["augment"] is True and "pyroomacoustics" in recipe["augmentation"]["libraries"]
    assert set(manifest["clips_per_engine"]) == {"espeak-ng", "flite", "festival"}
    records = _records(out)
    assert len(records) == manifest["total_clips"] == 24
    used = {r["engine"] for r in records.values() if r["word"] != "_silence_"}
    assert used == {"espeak-ng", "flite", "festival"}
    for r in records.values():
        if r["word"] != "_silence_":
            assert engines.engine_of(r["voice"]).name == r["engine"]
            assert r["vtlp_alpha"] and r["tempo"] and "reverb" in r


@needs_all
def test_mixed_corpus_splits_are_disjoint_by_speaker(mixed):
    _, info = mixed
    voices = info["recipe"]["voices"]

    def who(v):
        eng = engines.engine_of(v)
        return v if eng.name == "espeak-ng" else f"spk:{eng.speaker(v)}"

    speakers = {s: {who(v) for v in voices[s]} for s in ("train", "validation", "testing")}
    assert not speakers["train"] & speakers["validation"]
    assert not speakers["train"] & speakers["testing"]
    assert not speakers["validation"] & speakers["testing"]
    recorded = {s: {v for v in voices[s] if ":" in v} for s in speakers}
    assert all(recorded.values())  # 5 real speakers: 1 testing, 1 validation, 3 training


@needs_all
def test_mixed_corpus_resumes_byte_identically(mixed, tmp_path):
    out, _ = mixed
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    records = _records(copy)
    victims = [
        next(p for p, r in sorted(records.items()) if r.get("engine") == e)
        for e in ("flite", "festival")
    ]
    original = {p: (copy / p).read_bytes() for p in victims}
    for p in victims:
        (copy / p).unlink()
    again = synthesize_commands(
        copy, words=WORDS, per_word=6, engines="all", augment=True, progress=False, jobs=1
    )
    assert (again["generated"], again["resumed"]) == (2, 22)
    for p in victims:
        assert (copy / p).read_bytes() == original[p], p
    assert (copy / "clips.jsonl").read_text() == (out / "clips.jsonl").read_text()
    # other arguments into the same folder are refused, naming what differs
    with pytest.raises(FileExistsError, match="different recipe.*augment"):
        synthesize_commands(copy, words=WORDS, per_word=6, engines="all", progress=False)


@needs_espeak
@needs_flite
def test_holdout_engine_goes_to_its_own_folder(tmp_path):
    out = tmp_path / "h"
    voices = [*synth.list_voices("en")[:30], "flite:awb", "flite:slt"]
    info = synthesize_commands(
        out,
        words=["yes", "no"],
        per_word=5,
        engines="espeak-ng,flite",
        holdout_engine="flite",
        voices=voices,
        progress=False,
    )
    records = _records(out)
    held = {p for p, r in records.items() if r["split"] == "holdout"}
    assert held and all(p.startswith("_holdout_/") for p in held)
    assert all(records[p]["engine"] == "flite" for p in held)
    assert all(
        r["engine"] == "espeak-ng" for p, r in records.items() if "voice" in r and p not in held
    )
    assert info["recipe"]["voices"]["holdout"] == ["flite:awb", "flite:slt"]
    assert not any("flite:" in v for s in ("train", "validation", "testing")
                   for v in info["recipe"]["voices"][s])  # fmt: skip
    listed = (out / "_holdout_" / "testing_list.txt").read_text().split()
    assert sorted(listed) == sorted(p.split("/", 1)[1] for p in held)
    main_lists = (out / "testing_list.txt").read_text() + (out / "validation_list.txt").read_text()
    assert "_holdout_" not in main_lists
    # loaders of the main folder do not see the held-out clips; _holdout_ loads on its own
    from tsreprog.data.speech import load_speech_commands

    _, y = load_speech_commands(out)
    assert set(y) == {"_silence_", "no", "yes"} and len(y) == 2 * 5 - len(held) + 5
    _, y_held = load_speech_commands(out / "_holdout_", split="testing")
    assert set(y_held) == {"no", "yes"} and len(y_held) == len(held)
    # the main folder's class folders are the words and silence only
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("_h")) == [
        "_silence_",
        "no",
        "yes",
    ]


def test_cli_synth_options():
    from tsreprog.cli import build_parser

    args = build_parser().parse_args(["synth-commands", "out"])
    assert (args.engines, args.augment, args.holdout_engine) == ("all", True, None)
    args = build_parser().parse_args(
        ["synth-commands", "out", "--engines", "espeak-ng", "--no-augment"]
    )
    assert (args.engines, args.augment) == ("espeak-ng", False)


@needs_espeak
def test_cli_names_the_skipped_engines(monkeypatch, tmp_path, capsys):
    from tsreprog.cli import main

    real = shutil.which
    gone = {"flite", "festival", "text2wave"}
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name in gone else real(name))
    out = tmp_path / "c"
    argv = ["synth-commands", str(out), "--words", "yes", "--per-word", "3", "--no-augment"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert (
        "note: flite is not installed (Debian/Ubuntu: `apt-get install flite`); skipped"
        in captured.err
    )
    assert "apt-get install festival festvox-kallpc16k" in captured.err
    assert "engines: espeak-ng" in captured.out and "generated 6" in captured.out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recipe"]["augment"] is False
