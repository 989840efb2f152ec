"""Tests for the speech-commands folder loader (tsreprog.data.speech)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tsreprog.data.speech import AudioLoadWarning, load_audio, load_speech_commands


def _tone(rate: int, seconds: float, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(round(rate * seconds))) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _write(path: Path, x: np.ndarray, rate: int, subtype: str = "PCM_16") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x, rate, subtype=subtype)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A small GSC-style folder with mixed sample rates and three bad files."""
    root = tmp_path / "cmds"
    _write(root / "go" / "a_nohash_0.wav", _tone(8000, 0.5), 8000)  # short: padded
    _write(root / "go" / "b_nohash_0.wav", _tone(22050, 1.5, amp=0.5), 22050)  # long: cropped
    _write(root / "go" / "c_nohash_0.wav", _tone(16000, 1.0, amp=0.1), 16000, "FLOAT")
    stereo = np.stack([_tone(44100, 1.0, 330), _tone(44100, 1.0, 330, amp=0.1)], axis=1)
    _write(root / "stop" / "d_nohash_0.wav", stereo, 44100)  # stereo 44.1 kHz
    _write(root / "stop" / "e_nohash_0.wav", _tone(16000, 0.8, 500), 16000)
    _write(root / "_silence_" / "f_nohash_0.wav", 0.01 * _tone(16000, 1.0, 60), 16000)
    (root / "stop" / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    _write(root / "stop" / "empty.wav", np.zeros(0, dtype=np.float32), 16000)
    _write(root / "go" / "silent.wav", np.zeros(16000, dtype=np.float32), 16000)
    _write(root / "_background_noise_" / "hum.wav", _tone(16000, 3.5, 50), 16000)
    (root / "README.txt").write_text("not audio")
    (root / "go" / "notes.txt").write_text("not audio")
    (root / "validation_list.txt").write_text("go/b_nohash_0.wav\n")
    (root / "testing_list.txt").write_text("stop/d_nohash_0.wav\n\n")
    return root


def test_loads_good_files_and_warns_once_about_bad_ones(corpus):
    with pytest.warns(AudioLoadWarning) as record:
        X, y = load_speech_commands(corpus)
    assert len(record) == 1
    message = str(record[0].message)
    for name in ("corrupt.wav", "empty.wav", "silent.wav"):
        assert name in message
    assert "skipped 3" in message
    assert X.shape == (6, 16000) and X.dtype == np.float32
    assert list(y) == ["_silence_", "go", "go", "go", "stop", "stop"]
    np.testing.assert_allclose(np.abs(X).max(axis=1), 1.0, rtol=1e-6)


def test_split_lists_are_respected(corpus):
    with pytest.warns(AudioLoadWarning):
        _, y_train = load_speech_commands(corpus, split="train")
    assert list(y_train) == ["_silence_", "go", "go", "stop"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the listed files are fine: no warning
        X_val, y_val = load_speech_commands(corpus, split="validation")
        X_test, y_test = load_speech_commands(corpus, split="testing")
    assert list(y_val) == ["go"] and list(y_test) == ["stop"]
    assert X_val.shape == X_test.shape == (1, 16000)


def test_classes_argument_and_background_noise(corpus):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, y = load_speech_commands(corpus, classes=["_background_noise_"])
    # 3.5 s of noise -> three non-overlapping 1-s windows, the remainder dropped
    assert X.shape == (3, 16000) and set(y) == {"_background_noise_"}
    with pytest.warns(AudioLoadWarning):
        _, y = load_speech_commands(corpus, classes=["stop"])
    assert list(y) == ["stop", "stop"]
    with pytest.raises(ValueError, match="not found"):
        load_speech_commands(corpus, classes=["nope"])


def test_crop_pad_resample_and_mono(corpus):
    # 0.5 s at 8 kHz -> 16 kHz, zero-padded to 1 s, centred
    x = load_audio(corpus / "go" / "a_nohash_0.wav")
    assert x.shape == (16000,) and x.dtype == np.float32
    assert np.abs(x).max() == pytest.approx(1.0)
    assert not x[:3900].any() and not x[-3900:].any()
    spectrum = np.abs(np.fft.rfft(x[4000:12000]))
    assert np.argmax(spectrum) * 16000 / 8000 == pytest.approx(440, abs=2)
    # 1.5 s at 22.05 kHz -> cropped to the middle second, no padding left
    x = load_audio(corpus / "go" / "b_nohash_0.wav", peak_normalize=False)
    assert x.shape == (16000,)
    assert np.abs(x[:100]).max() > 0.1 and np.abs(x[-100:]).max() > 0.1
    assert np.abs(x).max() == pytest.approx(0.5, abs=0.01)
    # stereo 44.1 kHz -> mono is the channel mean (amplitudes 0.3 and 0.1)
    x = load_audio(corpus / "stop" / "d_nohash_0.wav", peak_normalize=False)
    assert np.abs(x).max() == pytest.approx(0.2, abs=0.01)


def test_crop_modes(tmp_path):
    ramp = np.linspace(-0.5, 0.5, 32000, dtype=np.float32)  # 2 s at 16 kHz
    _write(tmp_path / "r.wav", ramp, 16000, "FLOAT")
    kw = dict(peak_normalize=False)
    center = load_audio(tmp_path / "r.wav", crop="center", **kw)
    start = load_audio(tmp_path / "r.wav", crop="start", **kw)
    end = load_audio(tmp_path / "r.wav", crop="end", **kw)
    np.testing.assert_array_equal(center, ramp[8000:24000])
    np.testing.assert_array_equal(start, ramp[:16000])
    np.testing.assert_array_equal(end, ramp[16000:])
    quiet = np.full(64000, 0.01, dtype=np.float32)  # 4 s, a loud burst outside the
    quiet[20000:20100] = 0.9  # centre, start and end windows
    _write(tmp_path / "q.wav", quiet, 16000, "FLOAT")
    energy = load_audio(tmp_path / "q.wav", crop="energy", **kw)
    assert (energy == np.float32(0.9)).sum() == 100
    assert (load_audio(tmp_path / "q.wav", crop="center", **kw) == np.float32(0.9)).sum() == 0
    whole = load_audio(tmp_path / "r.wav", duration=None, **kw)
    assert whole.shape == (32000,)
    short = np.full(8000, 0.25, dtype=np.float32)
    _write(tmp_path / "s.wav", short, 16000, "FLOAT")
    padded = load_audio(tmp_path / "s.wav", crop="start", **kw)
    assert padded[:8000].all() and not padded[8000:].any()


def test_errors(corpus, tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_speech_commands(tmp_path / "missing")
    with pytest.raises(ValueError, match="'train', 'validation', 'testing'"):
        load_speech_commands(corpus, split="test")
    with pytest.raises(ValueError, match="crop"):
        load_speech_commands(corpus, crop="middle")
    with pytest.raises(ValueError, match="unreadable"):
        load_audio(corpus / "stop" / "corrupt.wav")
    with pytest.raises(ValueError, match="silent"):
        load_audio(corpus / "go" / "silent.wav")
    # only bad files left: one warning, then a ValueError naming the folder
    bad = tmp_path / "bad"
    (bad / "x").mkdir(parents=True)
    (bad / "x" / "broken.wav").write_bytes(b"not a wav")
    with pytest.warns(AudioLoadWarning, match="broken.wav"):
        with pytest.raises(ValueError, match=f"no loadable audio in {bad}"):
            load_speech_commands(bad)
    # a split whose list file is missing
    with pytest.raises(FileNotFoundError, match="testing_list.txt"):
        load_speech_commands(bad, split="testing")


def test_listed_but_missing_file_is_reported(corpus):
    (corpus / "testing_list.txt").write_text("stop/d_nohash_0.wav\nstop/gone.wav\n")
    with pytest.warns(AudioLoadWarning, match="gone.wav: listed but not found"):
        _, y = load_speech_commands(corpus, split="testing")
    assert list(y) == ["stop"]
