import shutil

import numpy as np
import pytest
import torch

import tsreprog.pretraining as pt
from tsreprog.backbones import create_backbone, state_dict_sha256

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from tsreprog.data.synth import synthesize_commands

    out = tmp_path_factory.mktemp("corpus") / "en"
    synthesize_commands(
        out, lang="en", words=["yes", "no", "up"], per_word=12, seed=0, progress=False
    )
    return out


def _run(corpus, out, epochs, **kw):
    return pt.pretrain(
        corpus,
        out,
        backbone="tiny-test",
        epochs=epochs,
        batch_size=8,
        patience=None,
        seed=0,
        verbose=False,
        **kw,
    )


def test_pretrain_writes_weights_with_metadata(corpus, tmp_path):
    meta = _run(corpus, tmp_path / "w.pt", epochs=2)
    assert (tmp_path / "w.pt").is_file() and not (tmp_path / "w.pt.ckpt").exists()
    model = create_backbone("tiny-test", weights=tmp_path / "w.pt")
    assert model.weights_meta["epochs_run"] == 2
    assert set(meta) >= {"test_accuracy", "validation_accuracy", "sha256", "class_embeddings"}
    emb, kind = model.source_class_embeddings()
    assert kind == "head_weights"  # only 4 of 36 classes were in the corpus
    assert emb.shape == (36, 8)
    conf = np.array(meta["confusion_test"])
    assert conf.sum() == meta["n_test"]


def test_interrupted_pretraining_resumes_to_the_same_weights(corpus, tmp_path, monkeypatch):
    _run(corpus, tmp_path / "full.pt", epochs=3)
    full = create_backbone("tiny-test", weights=tmp_path / "full.pt")

    calls = {"n": 0}
    real_shift = pt._shift

    def flaky_shift(*args):
        calls["n"] += 1
        if calls["n"] == 9:  # in the second epoch (5 batches of 8 per epoch)
            raise KeyboardInterrupt
        return real_shift(*args)

    monkeypatch.setattr(pt, "_shift", flaky_shift)
    with pytest.raises(KeyboardInterrupt):
        _run(corpus, tmp_path / "resumed.pt", epochs=3)
    assert (tmp_path / "resumed.pt.ckpt").is_file()
    assert not (tmp_path / "resumed.pt").exists()
    ck = torch.load(tmp_path / "resumed.pt.ckpt", weights_only=True)  # plain data only
    assert ck["epoch"] == 1 and isinstance(ck["result"], dict)
    monkeypatch.setattr(pt, "_shift", real_shift)
    # a checkpoint made under other settings is refused, naming them, and kept
    with pytest.raises(pt.UsageError, match=r"other settings \(lr: 0.001 -> 0.01\)"):
        _run(corpus, tmp_path / "resumed.pt", epochs=3, lr=0.01)
    meta = _run(corpus, tmp_path / "resumed.pt", epochs=3)
    assert meta["epochs_run"] == 3
    resumed = create_backbone("tiny-test", weights=tmp_path / "resumed.pt")
    assert state_dict_sha256(resumed) == state_dict_sha256(full)


class _Crafted:
    """Unpickling this runs code: it writes the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_crafted_checkpoint_is_refused_without_running_code(corpus, tmp_path):
    # the file really is dangerous with a full unpickle
    torch.save({"epoch": _Crafted(tmp_path / "proof")}, tmp_path / "proof.ckpt")
    torch.load(tmp_path / "proof.ckpt", weights_only=False)
    assert (tmp_path / "proof").is_file()

    marker = tmp_path / "marker"
    torch.save({"model": {}, "epoch": _Crafted(marker)}, tmp_path / "w.pt.ckpt")
    with pytest.raises(ValueError, match=r"w\.pt\.ckpt is not a tsreprog checkpoint") as info:
        _run(corpus, tmp_path / "w.pt", epochs=1)
    assert not marker.exists()
    msg = str(info.value)
    assert "--no-resume" in msg and "weights_only" not in msg and "\n" not in msg
    # a plain file that is not our checkpoint is refused the same way; --no-resume skips it
    torch.save({"x": torch.zeros(1)}, tmp_path / "w.pt.ckpt")
    with pytest.raises(ValueError, match="not a tsreprog checkpoint"):
        _run(corpus, tmp_path / "w.pt", epochs=1)
    _run(corpus, tmp_path / "w.pt", epochs=1, resume=False)
    assert (tmp_path / "w.pt").is_file() and not marker.exists()


def test_unknown_class_folder_is_named(corpus, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(corpus, bad)
    (bad / "banana").mkdir()
    shutil.copy(next((bad / "yes").iterdir()), bad / "banana" / "x.wav")
    with pytest.raises(ValueError, match="banana"):
        _run(bad, tmp_path / "w.pt", epochs=1)


def test_shift_is_zero_filled():
    wave = torch.arange(1.0, 11.0).repeat(3, 1)
    out = pt._shift(wave, 3, torch.Generator().manual_seed(0))
    for row in out:
        nz = row[row != 0]
        assert len(nz) >= 7 and torch.all(nz[1:] - nz[:-1] == 1)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"epochs": 0}, "--epochs"),
        ({"batch_size": 0}, "--batch-size"),
        ({"lr": 0.0}, "--lr"),
        ({"lr": float("nan")}, "--lr"),
        ({"patience": -1}, "--patience"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(tmp_path, kw, match):
    from tsreprog._params import UsageError

    args = {"epochs": 1, "batch_size": 8, "patience": None, **kw}
    with pytest.raises(UsageError, match=match):  # the folder is never read
        pt.pretrain(tmp_path / "no-corpus", tmp_path / "w.pt", backbone="tiny-test", **args)


def test_out_under_a_file_is_refused_before_training(tmp_path, monkeypatch):
    from tsreprog._params import UsageError

    monkeypatch.setattr(pt, "load_corpus", lambda *a, **k: pytest.fail("work started"))
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UsageError, match=r"afile is a file, not a folder"):
        pt.pretrain(tmp_path, tmp_path / "afile" / "w.pt", backbone="tiny-test", verbose=False)
    with pytest.raises(UsageError, match="is a folder; give a file path"):
        pt.pretrain(tmp_path, tmp_path, backbone="tiny-test", verbose=False)
    with pytest.raises(UsageError, match="does not exist"):
        pt.pretrain(tmp_path / "nope", tmp_path / "w.pt", backbone="tiny-test", verbose=False)


def test_synth_out_under_a_file_is_refused(tmp_path):
    from tsreprog._params import UsageError
    from tsreprog.data.synth import synthesize_commands

    (tmp_path / "afile").write_text("x")
    with pytest.raises(UsageError, match="afile is a file, not a folder"):
        synthesize_commands(tmp_path / "afile" / "corpus", words=["yes"], per_word=3)
    with pytest.raises(UsageError, match="is a file; give a folder"):
        synthesize_commands(tmp_path / "afile", words=["yes"], per_word=3)


def test_spec_augment_masks_a_band_and_a_span_reproducibly():
    feats = torch.randn(4, 16, 20)
    before = feats.clone()
    a = pt._spec_augment(feats, torch.Generator().manual_seed(3), max_freq=4, max_time=5)
    b = pt._spec_augment(feats, torch.Generator().manual_seed(3), max_freq=4, max_time=5)
    assert torch.equal(a, b) and a.shape == feats.shape
    assert torch.equal(feats, before)  # the input is left alone
    changed = (a != feats).flatten(1).sum(1)
    assert (changed <= 4 * 20 + 5 * 16).all() and changed.sum() > 0
    for i in range(4):  # masked cells hold the clip's mean
        masked = a[i][a[i] != feats[i]]
        torch.testing.assert_close(masked, torch.full_like(masked, feats[i].mean().item()))


@pytest.mark.skipif(shutil.which("flite") is None, reason="needs flite")
def test_a_held_out_engine_is_scored_and_spec_augment_recorded(tmp_path):
    from tsreprog.data.synth import synthesize_commands

    corpus = tmp_path / "c"
    synthesize_commands(
        corpus,
        lang="en",
        words=["yes", "no", "up"],
        per_word=12,
        seed=0,
        progress=False,
        engines=("espeak-ng", "flite"),
        holdout_engine="flite",
    )
    meta = _run(corpus, tmp_path / "w.pt", epochs=1, spec_augment=True)
    held = sorted(p.name for p in (corpus / "_holdout_").iterdir() if p.is_dir())
    n_held = sum(len(list((corpus / "_holdout_" / w).glob("*.wav"))) for w in held)
    assert meta["n_holdout"] == n_held > 0
    assert 0.0 <= meta["holdout_accuracy"] <= 1.0
    assert meta["command"]["spec_augment"] is True
    assert meta["n_train"] + meta["n_validation"] + meta["n_test"] + n_held == 4 * 12
