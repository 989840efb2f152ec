"""Results files of ``tsreprog bench`` and ``tsreprog speech``: interruptions, foreign files,
bad paths, exit codes, resume under other defaults."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_bench import TINY, write_ucr

from tsreprog import bench, speech
from tsreprog._params import UsageError
from tsreprog.cli import main as cli_main
from tsreprog.results import Cases


def _interrupt_on_call(monkeypatch, module, n):
    """Make the ``n``-th cell of ``module`` raise KeyboardInterrupt (as Ctrl-C in its fit)."""
    real = module._run_cell
    calls = []

    def cell(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "_run_cell", cell)
    return calls


def test_an_interrupted_bench_cell_is_not_recorded_and_is_redone(tmp_path, monkeypatch):
    data = write_ucr(tmp_path / "ucr")
    out = tmp_path / "res"
    kw = dict(
        data=data, datasets=["Tiny"], methods=["tsreprog"], out=out, params=TINY, verbose=False
    )
    _interrupt_on_call(monkeypatch, bench, 2)
    with pytest.raises(KeyboardInterrupt):
        bench.run_bench(seeds=3, **kw)
    saved = bench.read_results(out)
    assert saved["seed"].tolist() == [0] and (saved["status"] == "ok").all()
    monkeypatch.undo()
    again = bench.run_bench(seeds=3, **kw)
    assert sorted(again["seed"]) == [0, 1, 2] and (again["status"] == "ok").all()


def _fake_speech_fit(monkeypatch, d):
    """Fake the loading and fitting of the speech study with data ``d``."""
    monkeypatch.setattr(speech, "_load", lambda root, backbone: d)
    monkeypatch.setattr(speech, "_LOADED", {})

    def fit(data, kwargs, seed):
        y = data[3]
        return {"accuracy": 1.0, "fit_seconds": 0.1}, Cases(
            y, y, np.eye(2)[(y == "b").astype(int)], "ab"
        )

    monkeypatch.setattr(speech, "_fit_cell", fit)


def test_an_interrupted_speech_cell_is_not_recorded(tmp_path, monkeypatch):
    for lang in ("lt",):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "testing_list.txt").write_text("")
    rng = np.random.RandomState(0)
    d = (rng.randn(8, 4), np.repeat(["a", "b"], 4), rng.randn(4, 4), np.repeat(["a", "b"], 2))
    _fake_speech_fit(monkeypatch, d)
    _interrupt_on_call(monkeypatch, speech, 2)
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        speech.run_speech_study(tmp_path, methods="scratch", seeds=3, out=out, verbose=False)
    saved = speech.read_study(out)
    assert saved["seed"].tolist() == [0] and (saved["status"] == "ok").all()


@pytest.mark.parametrize("command", ["bench", "speech"])
def test_a_foreign_csv_is_refused_and_left_untouched(tmp_path, command):
    data = write_ucr(tmp_path / "ucr")
    mine = tmp_path / "mine.csv"
    mine.write_text("name,score\nalice,3\nbob,4\n")
    before = mine.read_bytes()
    with pytest.raises(UsageError, match="is a file and was left untouched.*results folder"):
        if command == "bench":
            bench.run_bench(data=data, methods="tsreprog", out=mine, params=TINY, verbose=False)
        else:
            speech.run_speech_study(data, methods="scratch", out=mine, verbose=False)
    assert mine.read_bytes() == before


@pytest.mark.parametrize("option", ["out", "plot"])
def test_bench_output_paths_are_checked_before_any_work(tmp_path, monkeypatch, option):
    data = write_ucr(tmp_path / "ucr")
    (tmp_path / "afile").write_text("x")
    calls = _interrupt_on_call(monkeypatch, bench, 10**6)
    with pytest.raises(UsageError, match="is a file, not a folder"):
        bench.run_bench(
            data=data,
            methods="tsreprog",
            params=TINY,
            verbose=False,
            **{option: tmp_path / "afile" / "x"},
        )
    assert calls == []  # refused before any cell ran


def test_bench_exits_1_when_a_dataset_is_missing_and_suggests_a_name(tmp_path, capsys):
    data = write_ucr(tmp_path / "ucr", name="GunPointish")
    rc = cli_main(
        ["bench", "--data", str(data), "--datasets", "GunPointsh", "--methods", "tsreprog"]
    )
    out = capsys.readouterr().out
    assert rc == 1
    assert "did you mean GunPointish?" in out


def test_bench_with_a_mistyped_data_folder_is_a_usage_error(tmp_path, capsys):
    rc = cli_main(["bench", "--data", str(tmp_path / "nope"), "--methods", "tsreprog"])
    err = capsys.readouterr().err
    assert rc == 2 and "no such folder" in err and len(err.strip().splitlines()) == 1


def test_speech_resume_refuses_rows_made_under_other_defaults(tmp_path, monkeypatch):
    (tmp_path / "lt").mkdir()
    (tmp_path / "lt" / "testing_list.txt").write_text("")
    rng = np.random.RandomState(0)
    d = (rng.randn(8, 4), np.repeat(["a", "b"], 4), rng.randn(4, 4), np.repeat(["a", "b"], 2))
    _fake_speech_fit(monkeypatch, d)
    out = tmp_path / "s"
    kw = dict(methods="scratch", seeds=1, out=out, verbose=False)
    speech.run_speech_study(tmp_path, **kw)
    _amend_estimator_params(out / "scratch" / "Predictions" / "lt" / "testResample0.csv", lr=123.0)
    with pytest.raises(
        UsageError, match=r"other estimator parameters \(lr: 123.0 -> .*another --out"
    ):
        speech.run_speech_study(tmp_path, **kw)


def _amend_estimator_params(path, **changes):
    """Rewrite the recorded estimator_params of one results file (as an older default)."""
    lines = path.read_text().split("\n")
    meta = json.loads(lines[1])
    meta["estimator_params"] = json.dumps(
        {**json.loads(meta["estimator_params"]), **changes}, sort_keys=True
    )
    lines[1] = json.dumps(meta, sort_keys=True)
    path.write_text("\n".join(lines))
