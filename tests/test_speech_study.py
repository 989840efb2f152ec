"""Tests for the low-resource spoken-command study (tsreprog.speech)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsreprog import speech
from tsreprog.mappings import ManyToOne
from tsreprog.results import Cases
from tsreprog.speech import (
    COLUMNS,
    METHOD_DEFAULTS,
    comparisons,
    find_datasets,
    make_low_resource_sets,
    plot_speech_study,
    read_study,
    run_speech_study,
    study_params,
    summarize_speech_study,
    summary_table,
)

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)

LT_WORDS = ["taip", "ne", "stok"]
TINY = {"backbone": "tiny-test", "epochs": 1, "validation_fraction": 0.25}


@pytest.fixture(scope="module")
def lt_sets(tmp_path_factory) -> tuple[Path, dict]:
    """3 Lithuanian words, 4 training and 2 test clips each (voice-disjoint)."""
    out = tmp_path_factory.mktemp("lowres")
    info = make_low_resource_sets(
        out,
        langs=("lt",),
        train_per_word=4,
        test_per_word=2,
        words={"lt": LT_WORDS},
        progress=False,
        jobs=2,
    )
    return out, info


# ---------------------------------------------------------------------------------- data sets
@needs_espeak
def test_make_low_resource_sets_limits(lt_sets):
    out, info = lt_sets
    root = out / "lt"
    assert info["lt"]["path"] == str(root)
    assert info["lt"]["train_per_class"] == {w: 4 for w in LT_WORDS}
    assert info["lt"]["test_per_class"] == {w: 2 for w in LT_WORDS}
    assert info["lt"]["n_classes"] == 3
    assert not (root / "_silence_").exists()
    assert (root / "validation_list.txt").read_text() == ""
    test = set((root / "testing_list.txt").read_text().split())
    every = {p.relative_to(root).as_posix() for p in root.glob("*/*.wav")}
    train = every - test
    assert len(test) == 6 and len(train) == 12
    voice = lambda p: p.split("/", 1)[1].split("_nohash_")[0]  # noqa: E731
    assert not {voice(p) for p in train} & {voice(p) for p in test}  # voice-disjoint
    # the same call resumes the same corpus
    again = make_low_resource_sets(
        out, langs="lt", train_per_word=4, test_per_word=2, words={"lt": LT_WORDS}, progress=False
    )
    assert again["lt"]["manifest"]["generated"] == 0


def test_make_low_resource_sets_rejects_bad_counts(tmp_path):
    with pytest.raises(ValueError, match="1 to 20"):
        make_low_resource_sets(tmp_path, train_per_word=21)
    with pytest.raises(ValueError, match="1 to 20"):
        make_low_resource_sets(tmp_path, train_per_word=0)
    with pytest.raises(ValueError, match="test_per_word"):
        make_low_resource_sets(tmp_path, test_per_word=0)
    with pytest.raises(ValueError, match="unknown language"):
        make_low_resource_sets(tmp_path, langs=("xx",))


def test_train_count_check_raises(tmp_path, monkeypatch):
    """More training clips on disk than train_per_word is an error, not a silent pass."""
    from tsreprog.data import synth

    def fake_synth(root, **kw):
        root = Path(root)
        (root / "taip").mkdir(parents=True)
        for i in range(4):
            (root / "taip" / f"v{i}_nohash_0.wav").write_bytes(b"")
        (root / "testing_list.txt").write_text("taip/v0_nohash_0.wav\n")
        return {"counts": {"testing": {"taip": 1}}}

    monkeypatch.setattr(synth, "synthesize_commands", fake_synth)
    with pytest.raises(RuntimeError, match="break the limit"):
        make_low_resource_sets(tmp_path, langs=("lt",), train_per_word=2, test_per_word=1)


def test_find_datasets(tmp_path):
    for lang in ("lt", "ar"):
        (tmp_path / lang / "w").mkdir(parents=True)
        (tmp_path / lang / "testing_list.txt").write_text("")
    (tmp_path / "notes").mkdir()
    assert list(find_datasets(tmp_path)) == ["ar", "lt"]
    assert list(find_datasets(tmp_path, "lt,ar")) == ["lt", "ar"]
    assert find_datasets(tmp_path / "lt") == {"lt": tmp_path / "lt"}
    with pytest.raises(FileNotFoundError, match="cmn"):
        find_datasets(tmp_path, ["cmn"])
    with pytest.raises(FileNotFoundError, match="no speech-commands set"):
        find_datasets(tmp_path / "notes")


# ---------------------------------------------------------------------------------- methods
def test_study_params_define_each_method():
    p = study_params("scratch", None, {"weights": "w.pt", "lr": 0.01})
    assert p["weights"] is None and not p["reprogram"] and p["finetune"]
    assert p["mapping"] == "linear" and p["placement"] == "pad" and p["lr"] == 0.01
    p = study_params("finetune", "linear", {"weights": "w.pt"})
    assert p["weights"] == "w.pt" and p["finetune"] and not p["reprogram"]
    assert p["mapping"] == "linear"
    p = study_params("reprogram", "similarity", {"reprogram__lr": 0.2, "lr": 0.1})
    assert p["reprogram"] and not p["finetune"] and "weights" not in p
    assert isinstance(p["mapping"], ManyToOne)
    assert p["mapping"].assignment == "similarity"
    assert p["lr"] == 0.2  # METHOD__PARAM wins over PARAM
    p = study_params("reprogram+finetune", "ordered", {"finetune__epochs": 3})
    assert p["reprogram"] and p["finetune"] and p["mapping"].assignment == "ordered"
    assert "epochs" not in p
    # θ on a waveform gets its own small default step; the heads of the linear methods do not
    assert p["lr"] == METHOD_DEFAULTS["reprogram+finetune"]["lr"] == 5e-4
    assert study_params("reprogram", "ordered")["lr"] == 5e-4
    assert "lr" not in study_params("finetune", None)  # the estimator's default
    assert study_params("reprogram", "ordered", {"lr": 0.01})["lr"] == 0.01  # --set wins
    for bad in ({"finetune": True}, {"mapping__assignment": "random"}, {"random_state": 1}):
        with pytest.raises(ValueError, match="cannot be set"):
            study_params("reprogram", "ordered", bad)
    with pytest.raises(ValueError, match="scratch__weights"):
        study_params("scratch", None, {"scratch__weights": "w.pt"})
    with pytest.raises(ValueError, match="not a ReprogramClassifier parameter"):
        study_params("finetune", None, {"finetune__learning_rate": 1})
    with pytest.raises(ValueError, match="'bogus' is not a ReprogramClassifier parameter"):
        study_params("scratch", None, {"bogus__lr": 1})
    with pytest.raises(ValueError, match="mapping"):
        study_params("reprogram", "bogus")
    # a linear head instead of a many-to-one mapping: what backbones without classes need
    p = study_params("reprogram", "linear", {"backbone": "silero-vad"})
    assert p["mapping"] == "linear" and p["reprogram"] and not p["finetune"]
    assert p["backbone"] == "silero-vad" and p["lr"] == 5e-3  # the head's rate (MAPPING_DEFAULTS)
    assert study_params("reprogram", "similarity")["lr"] == 5e-4
    assert study_params("reprogram+finetune", "linear")["lr"] == 5e-4
    assert study_params("reprogram", "linear", {"lr": 0.01})["lr"] == 0.01  # overrides win
    with pytest.raises(ValueError, match="unknown method"):
        study_params("v2s")


# ---------------------------------------------------------------------------------- the study
@needs_espeak
def test_all_methods_run_through_the_cli(lt_sets, tmp_path, capsys):
    out, _ = lt_sets
    csv = tmp_path / "speech"
    png = tmp_path / "speech.png"
    rc = speech.main(
        ["--data", str(out), "--seeds", "1", "--out", str(csv), "--plot", str(png)]
        + ["--set"]  # the default mappings: ordered, similarity and the linear head
        + [f"{k}={v!r}" for k, v in TINY.items()]
    )
    assert rc == 0
    df = read_study(csv)
    assert list(df.columns[: len(COLUMNS)]) == COLUMNS
    got = set(zip(df["method"], df["mapping"]))
    assert got == {
        ("scratch", "linear"),
        ("finetune", "linear"),
        ("reprogram", "ordered"),
        ("reprogram", "similarity"),
        ("reprogram", "linear"),
        ("reprogram+finetune", "ordered"),
        ("reprogram+finetune", "similarity"),
        ("reprogram+finetune", "linear"),
    }
    assert (df["status"] == "ok").all() and (df["dataset"] == "lt").all()
    assert (df["n_train"] == 12).all() and (df["n_test"] == 6).all()
    assert (df["n_classes"] == 3).all() and df["accuracy"].between(0, 1).all()
    params = {m: json.loads(p) for m, p in zip(df["method"] + df["mapping"], df["params"])}
    assert params["scratchlinear"]["weights"] is None
    assert params["reprogramsimilarity"]["mapping"] == {
        "name": "many_to_one",
        "n_map": None,
        "assignment": "similarity",
    }
    text = capsys.readouterr().out
    assert "| lt |" in text and "reprogram (similarity)" in text and "beats scratch" in text
    assert png.stat().st_size > 0
    # every test clip's prediction and class probabilities are in the cell's file
    from tsreprog.results import read_cell

    rec, cases = read_cell(
        csv / "reprogram-similarity" / "Predictions" / "lt" / "testResample0.csv"
    )
    assert rec["method"] == "reprogram" and rec["mapping"] == "similarity"
    assert len(cases.y_true) == 6 and sorted(cases.classes) == sorted(LT_WORDS)
    assert np.allclose(cases.proba.sum(axis=1), 1.0, atol=1e-5)
    acc = np.mean(cases.y_true == cases.y_pred)
    assert acc == pytest.approx(rec["accuracy"])


@needs_espeak
def test_loader_matches_the_backbone_window(lt_sets):
    out, _ = lt_sets
    Xtr, ytr, Xte, yte = speech._load(out / "lt", "tiny-test")
    assert Xtr.shape == (12, 1600) and Xte.shape == (6, 1600)
    assert sorted(set(ytr)) == sorted(LT_WORDS) == sorted(set(yte))


@pytest.fixture
def fake_sets(tmp_path, monkeypatch):
    """Two dataset folders whose loading and fitting are faked (counted calls)."""
    for lang in ("lt", "ar"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "testing_list.txt").write_text("")
    rng = np.random.RandomState(0)
    data = (rng.randn(8, 4), np.repeat(["a", "b"], 4), rng.randn(4, 4), np.repeat(["a", "b"], 2))
    monkeypatch.setattr(speech, "_load", lambda root, backbone: data)
    monkeypatch.setattr(speech, "_LOADED", {})
    calls: list[tuple] = []
    fail = set()

    def fake_cell(d, kwargs, seed):
        m = kwargs["mapping"]
        key = (m, None, seed) if isinstance(m, str) else (m.name, m.assignment, seed)
        calls.append(key)
        if key in fail:
            raise RuntimeError("boom")
        y = d[3]
        cases = Cases(y, y[::-1], np.eye(2)[(y[::-1] == "b").astype(int)], ["a", "b"])
        return {"accuracy": 0.5, "fit_seconds": 0.1, "device": "cpu"}, cases

    monkeypatch.setattr(speech, "_fit_cell", fake_cell)
    return tmp_path, calls, fail


def test_csv_resume_retries_failed_rows_only(fake_sets, tmp_path):
    root, calls, fail = fake_sets
    csv = tmp_path / "out" / "res"
    kw = dict(methods="scratch,reprogram", mappings="ordered", seeds=2, out=csv, verbose=False)
    fail.add(("many_to_one", "ordered", 1))
    df = run_speech_study(root, languages="lt", **kw)
    assert len(calls) == 4 and len(df) == 4
    failed = df[df["status"] == "failed"]
    assert len(failed) == 1 and "boom" in failed["error"].iloc[0]
    assert len(read_study(csv)) == 4
    # the failed row is recorded apart from the finished ones: it never counts as done
    assert (csv / "reprogram-ordered" / "Failed" / "lt" / "testResample1.json").is_file()
    assert not (csv / "reprogram-ordered" / "Predictions" / "lt" / "testResample1.csv").exists()
    # second run: only the failed row runs again; the other language is new
    calls.clear()
    fail.clear()
    df = run_speech_study(root, **kw)
    assert calls == [  # datasets in name order: ar (new), then lt's failed row
        ("linear", None, 0),
        ("many_to_one", "ordered", 0),
        ("linear", None, 1),
        ("many_to_one", "ordered", 1),
        ("many_to_one", "ordered", 1),
    ]
    saved = read_study(csv)
    assert len(saved) == 8 and (saved["status"] == "ok").all()
    assert list(saved.columns[: len(COLUMNS)]) == COLUMNS
    assert saved["n_train"].tolist() == [8] * 8
    assert not list(csv.rglob(".*.tmp"))  # atomic writes leave no temp file
    assert not list(csv.rglob("*.json"))  # the failure record went when the cell finished
    # third run: nothing to do
    calls.clear()
    run_speech_study(root, **kw)
    assert calls == []
    # other settings may not be mixed into the same file
    with pytest.raises(ValueError, match="another --out"):
        run_speech_study(root, params={"lr": 0.01}, **kw)


def test_study_rejects_bad_arguments(fake_sets):
    root, calls, _ = fake_sets
    with pytest.raises(ValueError, match="unknown method"):
        run_speech_study(root, methods="scratch,v2s", verbose=False)
    with pytest.raises(ValueError, match="mapping"):
        run_speech_study(root, methods="reprogram", mappings="bogus", verbose=False)
    with pytest.raises(ValueError, match="seeds"):
        run_speech_study(root, seeds=0, verbose=False)
    with pytest.raises(ValueError, match="cannot be set"):
        run_speech_study(root, params={"random_state": 3}, verbose=False)
    assert calls == []
    # linear-head methods ignore the mapping list; they run once per seed
    df = run_speech_study(root, methods="finetune", mappings="ordered,similarity", verbose=False)
    assert df["mapping"].tolist() == ["linear"] * 6  # 2 datasets x 3 seeds


def test_reprogramming_with_a_linear_head_has_its_own_folder(fake_sets, tmp_path):
    root, calls, _ = fake_sets
    out = tmp_path / "out"
    run_speech_study(root, methods="reprogram", mappings="linear", seeds=1, out=out, verbose=False)
    assert calls == [("linear", None, 0)] * 2  # two datasets, a linear head each
    # apart from the linear-head methods' folders, and named in the summary
    assert (out / "reprogram-linear" / "Predictions" / "lt" / "testResample0.csv").is_file()
    assert summary_table(read_study(out))["variant"].tolist() == ["reprogram (linear)"] * 2


# ---------------------------------------------------------------------------------- summary
def _hand_made() -> pd.DataFrame:
    rows = []

    def add(dataset, method, mapping, accs):
        for seed, acc in enumerate(accs):
            rows.append(
                dict(
                    dataset=dataset,
                    method=method,
                    mapping=mapping,
                    seed=seed,
                    status="ok",
                    accuracy=acc,
                )
            )

    add("lt", "scratch", "linear", [0.5, 0.6, 0.7])
    add("lt", "reprogram", "ordered", [0.6, 0.7, 0.9])
    add("lt", "reprogram", "similarity", [0.5, 0.5, 0.7])
    add("ar", "reprogram", "ordered", [0.5])
    add("ar", "scratch", "linear", [0.5])
    rows.append(dict(dataset="ar", method="finetune", mapping="linear", seed=0, status="failed"))
    return pd.DataFrame(rows)


def test_summary_table_arithmetic():
    t = summary_table(_hand_made())
    assert t["variant"].tolist() == [
        "scratch",
        "reprogram (ordered)",
        "reprogram (similarity)",
        "scratch",
        "reprogram (ordered)",
    ]
    lt = t[t["dataset"] == "lt"].set_index("variant")
    assert lt.loc["scratch", "mean"] == pytest.approx(0.6)
    assert lt.loc["scratch", "std"] == pytest.approx(0.1)  # ddof=1
    assert lt.loc["reprogram (ordered)", "mean"] == pytest.approx(2.2 / 3)
    assert lt.loc["reprogram (ordered)", "std"] == pytest.approx(np.std([0.6, 0.7, 0.9], ddof=1))
    ar = t[t["dataset"] == "ar"].set_index("variant")
    assert ar.loc["scratch", "n"] == 1 and np.isnan(ar.loc["scratch", "std"])
    assert "finetune" not in set(t["method"])  # the failed row is left out

    c = comparisons(_hand_made()).set_index(["dataset", "a", "b"])
    r = c.loc[("lt", "reprogram (ordered)", "scratch")]
    assert r["delta"] == pytest.approx(2.2 / 3 - 0.6)
    assert (r["wins"], r["ties"], r["paired"], r["holds"]) == (3, 0, 3, True)
    r = c.loc[("lt", "reprogram (similarity)", "scratch")]
    assert r["delta"] == pytest.approx(-0.1 / 3) and (r["wins"], r["ties"]) == (0, 2)
    assert not r["holds"]
    r = c.loc[("lt", "reprogram (similarity)", "reprogram (ordered)")]
    assert r["delta"] == pytest.approx(-0.5 / 3) and not r["holds"] and r["ties"] == 0
    r = c.loc[("ar", "reprogram (ordered)", "scratch")]
    assert r["delta"] == 0.0 and r["ties"] == 1 and not r["holds"]  # equal is not "beats"
    assert ("ar", "reprogram (similarity)", "reprogram (ordered)") not in c.index

    text = summarize_speech_study(_hand_made())
    assert "| lt | 60.0 ± 10.0 (n=3) | 73.3 ± 15.3 (n=3) | 56.7 ± 11.5 (n=3) |" in text
    assert "| ar | 50.0 (n=1) | 50.0 (n=1) | — |" in text
    assert "| lt | reprogram (ordered) vs scratch | +13.3 | 3/3 | beats scratch: yes |" in text
    assert "similarity ≥ ordered: no" in text
    assert summarize_speech_study(pd.DataFrame(columns=COLUMNS)) == "No finished runs.\n"


def test_plot_speech_study(tmp_path):
    path = plot_speech_study(_hand_made(), tmp_path / "fig" / "study.png")
    assert path.is_file() and path.read_bytes()[:4] == b"\x89PNG"
