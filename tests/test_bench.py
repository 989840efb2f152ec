"""Tests of ``tsreprog bench``: results file and resume, summary arithmetic, paper rows, the
end-to-end command, the figure, the dask path; and the UCR readers the benchmark relies on."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from tsreprog import ReprogramClassifier, bench
from tsreprog.data.ucr import load_dataset, read_suite, read_ucr_file
from tsreprog.mappings import get_mapping
from tsreprog.results import cell_path, read_cell

TINY = {"backbone": "tiny-test", "epochs": 1}


def write_ucr(root, name="Tiny", n_train=12, n_test=8, length=40, labels=("1", "2"), var=False):
    """Write a small two-class UCR 2018 ``.tsv`` dataset; ``var`` pads rows with NaN."""
    rng = np.random.RandomState(0)
    folder = root / name
    folder.mkdir(parents=True)
    for split, n in (("TRAIN", n_train), ("TEST", n_test)):
        lines = []
        for i in range(n):
            c = i % len(labels)
            size = length - (i % 3) * 5 if var else length
            t = np.arange(size)
            x = np.sin(t * (0.2 + 0.3 * c)) + 0.1 * rng.randn(size)
            cells = [labels[c]] + [f"{v:.6f}" for v in x] + ["NaN"] * (length - size)
            lines.append("\t".join(cells))
        (folder / f"{name}_{split}.tsv").write_text("\n".join(lines) + "\n")
    return root


# ---------------------------------------------------------------------------- paper table
def test_paper_table_is_table_2():
    paper = bench.load_paper_results()
    assert len(paper) == 30 and paper["dataset"].is_unique
    assert set(paper.loc[paper["label_artefact"], "dataset"]) == {
        "FordA",
        "FordB",
        "Lightning2",
        "Wafer",
    }
    rec = paper.set_index("dataset")
    assert rec.loc["GunPoint", ["SOTA", "V2Sa", "V2Su", "TFa"]].tolist() == [
        100,
        96.67,
        93.33,
        49.33,
    ]
    # ECG200: the revised (Jan 2022) values, with the v2 value in the note
    assert rec.loc["ECG200", ["V2Sa", "V2Su", "TFa"]].tolist() == [87, 87.40, 81]
    assert "revised" in rec.loc["ECG200", "note"] and "100" in rec.loc["ECG200", "note"]
    assert rec.loc["SonyAIBORobotSurface1", "paper_name"] == "SonyAIBORobotSurface"
    assert rec.loc["Ham", "paper_name"] == "HAM"
    # the printed mean/median rows (revised PDF): within the rounding of the printed cells
    assert paper["V2Sa"].mean() == pytest.approx(89.37, abs=0.06)
    assert paper["SOTA"].mean() == pytest.approx(88.02, abs=0.02)
    assert paper["TFa"].median() == pytest.approx(55.30, abs=0.01)
    assert paper["V2Sa"].median() == pytest.approx(93.60, abs=0.01)


def test_paper_rows_are_read_not_run(tmp_path, monkeypatch):
    def boom(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("a paper cell was run")

    monkeypatch.setattr(bench, "_run_cell", boom)
    df = bench.run_bench(
        datasets="GunPoint,FordA,OSULeaf",
        methods="paper,paper-sota",
        seeds=3,
        out=tmp_path / "r",
        verbose=False,
    )
    by = df.set_index(["dataset", "method"])
    assert len(df) == 6 and (df["seed"] == -1).all()
    assert by.loc[("GunPoint", "paper"), "accuracy"] == pytest.approx(0.9667)
    assert by.loc[("GunPoint", "paper-sota"), "accuracy"] == pytest.approx(1.0)
    assert np.isnan(by.loc[("GunPoint", "paper"), "fit_seconds"])
    assert json.loads(by.loc[("GunPoint", "paper"), "params"])["column"] == "V2Sa"
    # FordA needs no local data; OSULeaf is not in Table 2: reported, not dropped
    assert by.loc[("FordA", "paper"), "status"] == "ok"
    assert by.loc[("OSULeaf", "paper"), "status"] == "missing"
    assert "not in Voice2Series Table 2" in by.loc[("OSULeaf", "paper"), "error"]
    on_disk = bench.read_results(tmp_path / "r")
    assert len(on_disk) == 6 and not on_disk.duplicated(["dataset", "method", "seed"]).any()
    # published numbers go through the same results files as our own, without cases
    rec, cases = read_cell(cell_path(tmp_path / "r", "paper", "GunPoint", -1))
    assert rec["accuracy"] == pytest.approx(0.9667) and rec["n_cases"] == 0 and cases is None


# ---------------------------------------------------------------------------- summary
def _hand_made() -> pd.DataFrame:
    rows = []

    def add(dataset, method, seed, acc, status="ok", error=""):
        rows.append(dict(dataset=dataset, method=method, seed=seed, accuracy=acc, status=status))
        rows[-1]["error"] = error

    for seed, accs in enumerate([(0.8, 0.6, 1.0, 0.7), (0.9, 0.6, 1.0, 0.7)]):
        for d, a in zip(["D1", "D2", "D3", "D5"], accs):
            add(d, "v2s", seed, a)
        add("D4", "v2s", seed, np.nan, "failed", "RuntimeError: boom")
    for d, a in zip(["D1", "D2", "D3", "D4", "D5"], [0.9, 0.5, 1.0, 0.7, 0.6]):
        add(d, "minirocket", 0, a)
    add("D6", "v2s", 0, np.nan, "missing", "dataset 'D6' not found in /data")
    return pd.DataFrame(rows)


def test_summary_arithmetic_on_hand_made_csv(tmp_path):
    path = tmp_path / "hand.csv"
    _hand_made().to_csv(path, index=False)
    df = bench.read_results(path)

    table = bench.accuracy_table(df)
    assert table.loc["D1", "v2s"] == pytest.approx(0.85)  # mean over seeds first
    res = bench.compare(table)
    assert res["datasets"] == ["D1", "D2", "D3", "D5"]  # D4: v2s failed; D6: missing
    assert res["mean"]["v2s"] == pytest.approx(0.7875)
    assert res["median"]["v2s"] == pytest.approx(0.775)
    assert res["mean"]["minirocket"] == pytest.approx(0.75)
    assert res["median"]["minirocket"] == pytest.approx(0.75)
    # ranks per dataset: D1 (2, 1), D2 (1, 2), D3 tie (1.5, 1.5), D5 (1, 2)
    assert res["rank"]["v2s"] == pytest.approx(1.375)
    assert res["rank"]["minirocket"] == pytest.approx(1.625)
    assert res["wtl"][("v2s", "minirocket")] == (2, 1, 1)
    assert res["wtl"][("minirocket", "v2s")] == (1, 1, 2)
    assert res["finished"].to_dict() == {"v2s": 4, "minirocket": 5}

    text = bench.summarize(df)
    assert "| v2s | 4 | 78.75 | 77.50 | 1.38 |" in text
    assert "| minirocket | 5 | 75.00 | 75.00 | 1.62 |" in text
    assert "| v2s | · | 2/1/1 |" in text
    assert "| minirocket | 1/1/2 | · |" in text
    assert "| D1 | 85.00 | 90.00 |" in text
    assert "D4 / v2s / seed 0: RuntimeError: boom" in text
    assert "D6 (v2s: dataset 'D6' not found in /data)" in text
    # the failures come last
    assert text.rstrip().splitlines()[-1].startswith("- D4 / v2s / seed 1")


def test_summary_against_paper_excludes_label_artefacts():
    rows = [
        dict(dataset="GunPoint", method="v2s", seed=0, accuracy=145 / 150),
        dict(dataset="Coffee", method="v2s", seed=0, accuracy=0.9),
        dict(dataset="FordA", method="v2s", seed=0, accuracy=0.9),
    ]
    paper = [bench.REGISTRY["paper"].load(d) for d in ["GunPoint", "Coffee", "FordA"]]
    df = pd.concat([pd.DataFrame(rows), pd.DataFrame(paper)], ignore_index=True)
    text = bench.summarize(df)
    vs_paper = text.split("### Against the Voice2Series paper", 1)[1]
    assert "label_artefact" in vs_paper and "excluded here: FordA" in vs_paper
    assert "-1/1" in vs_paper and "selected on the test split" in vs_paper
    assert "2 dataset(s) finished by every method: GunPoint, Coffee." in vs_paper
    # 145/150 = 96.667% ties the printed 96.67 (compared at 0.01 points); Coffee 90 < 100
    assert "| v2s | · | 0/1/1 |" in vs_paper
    assert "| paper | 1/1/0 | · |" in vs_paper
    assert "| v2s | 2 | 93.33 | 93.33 | 1.75 |" in vs_paper
    # the per-dataset table still shows FordA, for both
    assert "| FordA | 90.00 | 100.00 |" in text


# ---------------------------------------------------------------------------- results file
def test_read_results_drops_a_half_written_last_line(tmp_path):
    path = tmp_path / "r.csv"
    good = pd.DataFrame(
        [dict(dataset="A", method="v2s", seed=0, status="ok", accuracy=0.5, params='{"a": 1}')]
    )
    text = good.to_csv(index=False, lineterminator="\n")
    path.write_text(text + "A,v2s,1,ok,0.9")  # cut off: no newline, too few fields
    with pytest.warns(UserWarning, match="incomplete last line"):
        df = bench.read_results(path)
    assert df[["dataset", "seed", "accuracy"]].values.tolist() == [["A", 0, 0.5]]
    assert json.loads(df.loc[0, "params"]) == {"a": 1}
    # a complete line with the wrong number of fields is dropped too
    path.write_text(text + "A,v2s,1,ok\n")
    with pytest.warns(UserWarning, match="malformed"):
        assert len(bench.read_results(path)) == 1
    assert bench.read_results(tmp_path / "absent.csv").empty


def test_resume_skips_finished_cells(tmp_path, monkeypatch):
    data = write_ucr(tmp_path / "ucr")
    out = tmp_path / "res"
    calls = []
    real = bench._run_cell

    def counting(dataset, method, seed, *args, **kwargs):
        calls.append((dataset, method, seed))
        return real(dataset, method, seed, *args, **kwargs)

    monkeypatch.setattr(bench, "_run_cell", counting)
    kw = dict(data=data, datasets=["Tiny"], methods=["tsreprog"], out=out, params=TINY)
    kw["verbose"] = False
    first = bench.run_bench(seeds=1, **kw)
    assert calls == [("Tiny", "tsreprog", 0)] and first.loc[0, "status"] == "ok"
    path = cell_path(out, "tsreprog", "Tiny", 0)
    rec, cases = read_cell(path)
    assert rec["accuracy"] == pytest.approx(first.loc[0, "accuracy"])
    assert rec["accuracy"] == pytest.approx(np.mean(cases.y_true == cases.y_pred))
    assert cases.proba.shape == (8, 2) and cases.classes == ["1", "2"]
    # mark the finished cell so we can see it is kept; leave a temp file as a killed write does
    path.write_text(path.read_text().replace(f"{rec['accuracy']!r},", "0.123,", 1))
    (path.parent / ".testResample1.csv.abc.tmp").write_text("half")
    calls.clear()
    second = bench.run_bench(seeds=2, **kw)
    assert calls == [("Tiny", "tsreprog", 1)]  # seed 0 skipped; the temp file did not count
    assert second.set_index("seed").loc[0, "accuracy"] == pytest.approx(0.123)
    final = bench.read_results(out)
    assert sorted(final["seed"]) == [0, 1] and (final["status"] == "ok").all()
    # nothing left to do
    calls.clear()
    bench.run_bench(seeds=2, **kw)
    assert calls == []
    # other settings into the same folder are refused, not mixed
    with pytest.raises(ValueError, match="another --out"):
        bench.run_bench(seeds=1, **{**kw, "params": {**TINY, "lr": 0.01}})


def _amend_meta(path, **fields):
    """Rewrite fields of the JSON record (line 2) of one results file."""
    lines = path.read_text().split("\n")
    meta = json.loads(lines[1])
    meta.update(fields)
    lines[1] = json.dumps(meta, sort_keys=True)
    path.write_text("\n".join(lines))


def test_resume_refuses_rows_made_under_other_defaults(tmp_path):
    """``params`` holds only the overrides; ``estimator_params`` catches a changed default."""
    data = write_ucr(tmp_path / "ucr")
    out = tmp_path / "res"
    kw = dict(data=data, datasets=["Tiny"], methods=["tsreprog"], out=out, params=TINY)
    kw["verbose"] = False
    bench.run_bench(seeds=1, **kw)
    path = cell_path(out, "tsreprog", "Tiny", 0)
    full = json.loads(read_cell(path)[0]["estimator_params"])
    # a stage given by name is recorded with its configuration
    default = get_mapping(ReprogramClassifier().mapping)
    assert full["mapping"] == {"name": default.name, **default.get_params()}
    assert "random_state" not in full and full["epochs"] == TINY["epochs"]
    # pretend the cell was made when the default mapping was another one
    other = "ordered" if default.name != "ordered" else "linear"
    _amend_meta(path, estimator_params=json.dumps({**full, "mapping": other}, sort_keys=True))
    with pytest.raises(ValueError, match=rf"mapping: '{other}' -> .*another --out"):
        bench.run_bench(seeds=1, **kw)
    # or when the entry's own default was another one (the name alone would hide it)
    changed = {**full["mapping"], "layer": "changed"}
    _amend_meta(path, estimator_params=json.dumps({**full, "mapping": changed}, sort_keys=True))
    with pytest.raises(ValueError, match=r"mapping: \{'layer': 'changed'.*another --out"):
        bench.run_bench(seeds=1, **kw)
    # a cell converted from a file made before the column existed resumes (nothing to compare)
    _amend_meta(path, estimator_params="")
    again = bench.run_bench(seeds=1, **kw)
    assert again.loc[0, "estimator_params"] == ""


def test_a_bare_backbone_name_is_recorded_with_the_weights_tag_it_loads(tmp_path):
    """``backbone="attrnn"`` loads the default tag, which changed once (synth -> synth-v2):
    the record names the tag, so a folder made under the old default is not resumed."""
    from tsreprog._params import params_json
    from tsreprog.backbones import get_backbone_cfg
    from tsreprog.results import check_resume

    full = params_json(ReprogramClassifier())
    first = next(iter(get_backbone_cfg("attrnn").weights))
    assert json.loads(full)["backbone"] == f"attrnn.{first}" == "attrnn.synth-v2"
    # a tag, random weights or a file of one's own: recorded as given
    for kw, name in [
        ({"backbone": "attrnn.synth"}, "attrnn.synth"),
        ({"weights": None}, "attrnn"),
        ({"weights": "own.pt"}, "attrnn"),
        ({"backbone": "tiny-test"}, "tiny-test"),
    ]:
        assert json.loads(params_json(ReprogramClassifier(**kw)))["backbone"] == name
    # rows made before the tag was recorded said "attrnn" when it meant attrnn.synth
    old = json.dumps({**json.loads(full), "backbone": "attrnn"}, sort_keys=True)
    prev = {"params": "{}", "estimator_params": old}
    with pytest.raises(ValueError, match=r"backbone: 'attrnn' -> 'attrnn.synth-v2'.*another --out"):
        check_resume(tmp_path, ("tsreprog", "D", 0), prev, "{}", full)


def test_a_foreign_file_in_the_results_folder_is_skipped_with_a_warning(tmp_path):
    out = tmp_path / "res"
    bench.run_bench(datasets="GunPoint", methods="paper", out=out, verbose=False)
    stray = out / "notes" / "Predictions" / "X" / "testResample0.csv"
    stray.parent.mkdir(parents=True)
    stray.write_text("a,b\n1,2\n")
    with pytest.warns(UserWarning, match="not a tsreprog results file"):
        df = bench.read_results(out)
    assert df["method"].tolist() == ["paper"]


def test_missing_dataset_is_reported_and_retried(tmp_path):
    data = write_ucr(tmp_path / "ucr")
    (data / "mine.txt").write_text("Tiny\n# a comment\nAbsent\n")
    out = tmp_path / "r"
    df = bench.run_bench(
        data=data, suite="mine", methods="tsreprog", out=out, params=TINY, verbose=False
    )
    by = df.set_index("dataset")
    assert by.loc["Tiny", "status"] == "ok"
    assert by.loc["Absent", "status"] == "missing"
    assert "'Absent' not found" in by.loc["Absent", "error"]
    assert "Absent (tsreprog: dataset 'Absent' not found" in bench.summarize(df)
    assert bench.read_results(out).set_index("dataset").loc["Absent", "status"] == "missing"
    # once the data appears, the missing cell is run on the next call
    write_ucr(data, name="Absent")
    again = bench.run_bench(
        data=data, suite="mine", methods="tsreprog", out=out, params=TINY, verbose=False
    )
    assert (again["status"] == "ok").all()


def test_unknown_method_and_bad_arguments():
    with pytest.raises(ValueError, match="unknown method"):
        bench.run_bench(methods="tsreprog,rocket", verbose=False)
    with pytest.raises(ValueError, match="'v2s' was renamed 'tsreprog'"):
        bench.run_bench(methods="v2s", verbose=False)
    with pytest.raises(ValueError, match="seeds"):
        bench.run_bench(methods="paper", seeds=0, verbose=False)
    with pytest.raises(ValueError, match="scheduler"):
        bench.run_bench(methods="paper", backend="dask", verbose=False)
    with pytest.raises(ValueError, match="random_state"):
        bench.run_bench(methods="tsreprog", params={"random_state": 1}, verbose=False)


def test_method_params_routing():
    p = {"backbone": "tiny-test", "minirocket__num_kernels": 840, "weights": "x.pt"}
    assert bench.method_params("tsreprog", p) == {"backbone": "tiny-test", "weights": "x.pt"}
    assert bench.method_params("tsreprog-random", p) == {
        "backbone": "tiny-test",
        "weights": None,
    }
    assert bench.method_params("minirocket", p) == {
        "rocket_transform": "minirocket",
        "num_kernels": 840,
    }
    # v2s-paper is the published recipe, under the overrides
    paper = bench.method_params("v2s-paper", {"epochs": 2, "v2s-paper__lr": 0.01})
    recipe = ReprogramClassifier.v2s_paper().get_params(deep=False)
    assert paper["epochs"] == 2 and paper["lr"] == 0.01
    assert paper["placement"] == recipe["placement"] == "pad"
    assert paper["dropout"] == recipe["dropout"] and paper["l2"] == recipe["l2"]
    assert paper["validation_fraction"] == recipe["validation_fraction"]


def test_cell_records_what_it_ran(tmp_path):
    data = write_ucr(tmp_path / "ucr", var=True)
    row, cases = bench._run_cell("Tiny", "tsreprog", 3, str(data), TINY)
    assert row["status"] == "ok", row["error"]
    assert (row["n_train"], row["n_test"], row["n_classes"]) == (12, 8, 2)
    assert row["length"] == "var" and row["max_length"] == 40
    assert 0 <= row["accuracy"] <= 1 and row["fit_seconds"] > 0
    assert json.loads(row["params"]) == TINY
    assert row["peak_rss_mb"] >= row["rss_start_mb"] > 0 or row["peak_rss_source"] == "ru_maxrss"
    # the default is an ensemble of two views: one value per member (one backbone checksum:
    # both members share the seed, so the tiny backbone's random initialisation too)
    assert row["n_iter"] == [1, 1] and len(row["backbone_sha256"]) == 64
    assert len(cases.y_true) == 8 and cases.proba.shape == (8, 2)
    one, _ = bench._run_cell("Tiny", "tsreprog", 3, str(data), {**TINY, "placement": "repeat"})
    assert len(one["backbone_sha256"]) == 64 and one["n_iter"] == 1
    assert row["accuracy"] == pytest.approx(np.mean(cases.y_true == cases.y_pred))
    bad, none = bench._run_cell("Tiny", "tsreprog", 0, str(data), {"backbone": "no-such"})
    assert bad["status"] == "failed" and "no-such" in bad["error"] and none is None


def test_the_views_method_is_the_soft_vote_of_its_two_members(tmp_path):
    data = write_ucr(tmp_path / "ucr", var=True)
    row, cases = bench._run_cell("Tiny", "tsreprog-views", 3, str(data), TINY)
    assert row["status"] == "ok", row["error"]
    est = bench.REGISTRY["tsreprog-views"].build(TINY, 3)
    assert est.placement == ("repeat", "am") and est.random_state == 3
    full = json.loads(bench.REGISTRY["tsreprog-views"].estimator_params(TINY))
    assert [p["name"] for p in full["placement"]] == ["repeat", "am"]
    assert full["lr"] == ReprogramClassifier().lr  # defaults recorded
    assert cases.proba.shape == (8, 2)


# ---------------------------------------------------------------------------- CLI and figure
def test_main_end_to_end_on_gunpoint(tmp_path, capsys):
    out, png = tmp_path / "bench", tmp_path / "bench.png"
    args = ["--datasets", "GunPoint", "--methods", "tsreprog,paper", "--seeds", "1"]
    args += ["--set", "backbone=tiny-test", "epochs=1", "--out", str(out), "--plot", str(png)]
    assert bench.main(args) == 0
    stdout = capsys.readouterr().out
    assert "## tsreprog bench summary" in stdout
    assert "| GunPoint |" in stdout and "Against the Voice2Series paper" in stdout
    assert stdout.rstrip().endswith("No missing datasets, no failed cells.")
    df = bench.read_results(out)
    row = df[df["method"] == "tsreprog"].iloc[0]
    assert (row["n_train"], row["n_test"], str(row["length"]), row["n_classes"]) == (
        50,
        150,
        "150",
        2,
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_comparison_writes_png(tmp_path):
    df = _hand_made()
    df.loc[len(df)] = dict(dataset="D1", method="paper", seed=-1, accuracy=0.95, status="ok")
    path = bench.plot_comparison(df, tmp_path / "sub" / "cmp.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = bench.plot_comparison(df[df["method"] == "v2s"], tmp_path / "one.png")
    assert one.stat().st_size > 0
    assert not (tmp_path / "one_cd.png").exists()  # one method: no critical difference
    three = df[df["method"] != "paper"].copy()
    extra = three[three["method"] == "minirocket"].assign(method="other")
    extra["accuracy"] = [0.5, 0.4, 0.9, 0.6, 0.5]
    bench.plot_comparison(pd.concat([three, extra]), tmp_path / "three.png")
    assert (tmp_path / "three_cd.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------- dask
def test_dask_backend_runs_cells_on_a_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        df = bench.run_bench(
            datasets=["ItalyPowerDemand"],
            methods=["tsreprog"],
            seeds=2,
            out=out,
            backend="dask",
            scheduler=cluster.scheduler_address,
            params=TINY,
            verbose=False,
        )
    assert (df["status"] == "ok").all(), df["error"].tolist()
    assert sorted(df["seed"]) == [0, 1]
    assert os.getpid() not in set(df["pid"])  # the cells ran in the cluster's workers
    assert len(bench.read_results(out)) == 2


# ---------------------------------------------------------------------------- UCR readers
def test_tsv_reader_keeps_minus_one_and_one_apart(tmp_path):
    write_ucr(tmp_path, name="PM", labels=("-1", "1"))
    Xtr, ytr, Xte, yte = load_dataset("PM", data=tmp_path)
    assert Xtr.shape == (12, 40) and Xte.shape == (8, 40)
    assert sorted(set(ytr)) == ["-1", "1"] and (ytr == np.array(["-1", "1"] * 6)).all()


def test_tsv_reader_string_labels_and_numeric_spellings(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("cat\t1\t2\t3\ndog\t4\t5\t6\n")
    X, y = read_ucr_file(path)
    assert X.tolist() == [[1, 2, 3], [4, 5, 6]] and y.tolist() == ["cat", "dog"]
    folder = tmp_path / "N"
    folder.mkdir()
    (folder / "N_TRAIN.tsv").write_text("1.0\t1\t2\n2.0\t3\t4\n")
    (folder / "N_TEST.tsv").write_text("1\t1\t2\n2\t3\t4\n")
    _, ytr, _, yte = load_dataset("N", data=tmp_path)
    assert ytr.tolist() == yte.tolist() == ["1", "2"]


def test_tsv_reader_strips_nan_padding(tmp_path):
    write_ucr(tmp_path, name="V", var=True)
    Xtr, _, _, _ = load_dataset("V", data=tmp_path)
    assert isinstance(Xtr, list) and [len(s) for s in Xtr[:3]] == [40, 35, 30]
    assert all(np.isfinite(s).all() for s in Xtr)
    path = tmp_path / "hole.tsv"
    path.write_text("1\t1\tNaN\t3\n")
    with pytest.raises(ValueError, match="inside the series"):
        read_ucr_file(path)


def _write_ts(path, rows, equal=True):
    head = ["@problemName T", "@timeStamps false", "@missing false", "@univariate true"]
    head.append(f"@equalLength {'true' if equal else 'false'}")
    if equal:
        head.append(f"@seriesLength {len(rows[0][0])}")
    head += [f"@classLabel true {' '.join(sorted({r[1] for r in rows}))}", "@data"]
    body = [",".join(str(v) for v in x) + ":" + lab for x, lab in rows]
    path.write_text("\n".join(head + body) + "\n")


def test_ts_reader_equal_and_variable_length(tmp_path):
    folder = tmp_path / "T"
    folder.mkdir()
    rows = [([1.0, 2.0, 3.0, 4.0], "a"), ([4.0, 3.0, 2.0, 1.0], "b"), ([1.0, 1.0, 1.0, 1.0], "a")]
    _write_ts(folder / "T_TRAIN.ts", rows)
    var = [([1.0, 2.0, 3.0], "-1"), ([1.0, 2.0, 3.0, 4.0, 5.0], "1")]
    _write_ts(folder / "T_TEST.ts", var, equal=False)
    X, y = read_ucr_file(folder / "T_TRAIN.ts")
    assert isinstance(X, np.ndarray) and X.shape == (3, 4) and y.tolist() == ["a", "b", "a"]
    X, y = read_ucr_file(folder / "T_TEST.ts")
    assert [len(s) for s in X] == [3, 5] and y.tolist() == ["-1", "1"]


def test_read_suite_skips_comments(tmp_path):
    (tmp_path / "s.txt").write_text("A\n\n# note\nB  # trailing\n")
    assert read_suite(tmp_path, "s") == ["A", "B"]


def test_tsv_reader_keeps_long_integer_labels_exact(tmp_path):
    folder = tmp_path / "L"
    folder.mkdir()
    (folder / "L_TRAIN.tsv").write_text(
        "5\t1\t2\n1234567\t3\t4\n1234568\t5\t6\n20230101\t1\t1\n20230102\t2\t2\n20230103\t3\t3\n"
    )
    (folder / "L_TEST.tsv").write_text("5.0\t1\t2\n1234568.0\t3\t4\n2.0230103e7\t3\t3\n")
    _, ytr, _, yte = load_dataset("L", data=tmp_path)
    assert ytr.tolist() == ["5", "1234567", "1234568", "20230101", "20230102", "20230103"]
    assert len(set(ytr)) == 6
    assert yte.tolist() == ["5", "1234568", "20230103"]


def test_unknown_dataset_or_folder_is_a_usage_error_with_suggestions(tmp_path):
    from tsreprog._params import UsageError

    data = write_ucr(tmp_path / "ucr", name="GunPoint")
    write_ucr(data, name="ECG5000")
    with pytest.raises(UsageError, match=r"'GunPont' not found.*did you mean 'GunPoint'\?"):
        load_dataset("GunPont", data=data)
    with pytest.raises(UsageError, match=r"'gunpoint' not found.*did you mean 'GunPoint'\?"):
        load_dataset("gunpoint", data=data)
    with pytest.raises(UsageError, match="it holds ECG5000, GunPoint"):
        load_dataset("Zebra", data=data)
    with pytest.raises(UsageError, match="does not exist"):
        load_dataset("GunPoint", data=tmp_path / "nope")
    with pytest.raises(UsageError, match="is a file"):
        load_dataset("GunPoint", data=data / "GunPoint" / "GunPoint_TRAIN.tsv")
    with pytest.raises(UsageError, match="the dataset itself; pass its parent"):
        load_dataset("GunPoint", data=data / "GunPoint")
    with pytest.raises(UsageError, match="did you mean 'GunPoint'"):
        load_dataset("GunPiont")  # bundled with sktime
