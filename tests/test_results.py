"""The results module (one file per cell, tsml-eval's layout) and the shared harness."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tsreprog import harness
from tsreprog._params import UsageError
from tsreprog.report import plot_critical_difference, win_tie_loss
from tsreprog.results import (
    Cases,
    cell_path,
    check_out_folder,
    failure_path,
    load_results,
    read_cell,
    write_cell,
    write_failure,
)


def _record(**fields):
    return harness.blank_record("D,1", "m", 2, status="ok", accuracy=0.5, **fields)


def test_a_cell_round_trips_with_its_cases(tmp_path):
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    cases = Cases(["a,x", "b", "b", "a,x"], ["a,x", "b", "a,x", "b"], proba, ["a,x", "b"])
    path = write_cell(tmp_path, _record(fit_seconds=1.25, peak_rss_mb=2.0, n_train=7), cases)
    assert path == tmp_path / "m" / "Predictions" / "D,1" / "testResample2.csv"
    lines = path.read_text().splitlines()
    assert lines[0] == '"D,1",m,TEST,2,SECONDS,tsreprog results v2'  # tsml-eval's line 1
    assert lines[2].split(",")[:5] == ["0.5", "1.25", "-1", "-1", str(2 * 2**20)]
    assert len(lines) == 3 + 4 and lines[4] == "1,1,,0.2,0.8"  # true, pred index, blank, probas
    rec, back = read_cell(path)
    assert (rec["dataset"], rec["method"], rec["seed"], rec["n_train"]) == ("D,1", "m", 2, 7)
    assert rec["fit_seconds"] == 1.25 and np.isnan(rec["predict_seconds"])
    assert back.y_true.tolist() == ["a,x", "b", "b", "a,x"] and back.classes == ["a,x", "b"]
    assert np.array_equal(back.proba, proba)  # exact: floats are written with repr
    assert np.mean(back.y_true == back.y_pred) == rec["accuracy"]


def _write_v2(tmp_path, y_true, y_pred, classes):
    proba = np.eye(len(classes))[[classes.index(c) for c in y_pred]] * 0.7 + 0.3 / len(classes)
    rec = harness.blank_record("D", "m", 0, status="ok", accuracy=0.5)
    rec["accuracy"] = float(np.mean(np.array(y_true) == np.array(y_pred)))
    return write_cell(tmp_path, rec, Cases(y_true, y_pred, proba, classes)), proba


@pytest.mark.parametrize(
    "classes",
    [["1", "10", "2"], ["cat", "dog"]],  # "10" sorts before "2" as str, after it as int
)
def test_case_lines_hold_class_indices_and_read_back_as_labels(tmp_path, classes):
    y_true = [classes[-1], classes[0], *classes]
    y_pred = [classes[-1], classes[-1], *classes[::-1]]
    path, proba = _write_v2(tmp_path, y_true, y_pred, classes)
    lines = path.read_text().splitlines()
    assert lines[0].endswith(",tsreprog results v2")
    assert json.loads(lines[1])["classes"] == classes
    k = len(classes)
    want = [(k - 1, k - 1), (0, k - 1), *((j, k - 1 - j) for j in range(k))]
    assert [tuple(map(int, ln.split(",")[:2])) for ln in lines[3:]] == want
    assert all(ln.split(",")[2] == "" for ln in lines[3:])
    rec, back = read_cell(path)
    assert back.y_true.tolist() == y_true and back.y_pred.tolist() == y_pred
    assert back.classes == classes and np.array_equal(back.proba, proba)


def test_labels_that_are_not_classes_and_bad_indices_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"true label\(s\) \['c'\] not among the classes"):
        _write_v2(tmp_path, ["a", "c"], ["a", "b"], ["a", "b"])
    path, _ = _write_v2(tmp_path, ["a", "b"], ["a", "b"], ["a", "b"])
    text = path.read_text()
    path.write_text(text[: text.rindex("\n1,1,")] + "\n2,1,,0.1,0.9\n")
    with pytest.raises(ValueError, match="'2' is not a class index 0..1"):
        read_cell(path)


def test_a_v1_file_with_labels_in_its_case_lines_still_reads(tmp_path):
    # written by tsreprog before the case lines held class indices
    path = tmp_path / "m" / "Predictions" / "D" / "testResample0.csv"
    path.parent.mkdir(parents=True)
    meta = {"classes": ["10", "2"], "n_cases": 2, "method": "m", "status": "ok"}
    path.write_text(
        "D,m,TEST,0,SECONDS,tsreprog results v1\n"
        + json.dumps(meta, sort_keys=True)
        + "\n0.5,1.0,-1,-1,-1,2,,-1,-1\n2,2,,0.25,0.75\n10,2,,0.5,0.5\n"
    )
    rec, back = read_cell(path)
    assert rec["accuracy"] == 0.5 and rec["n_cases"] == 2
    assert back.y_true.tolist() == ["2", "10"] and back.y_pred.tolist() == ["2", "2"]
    assert back.classes == ["10", "2"] and back.proba.tolist() == [[0.25, 0.75], [0.5, 0.5]]
    assert load_results(tmp_path)["accuracy"].tolist() == [0.5]


@pytest.mark.parametrize("classes", [["1", "10", "2"], ["cat", "dog"]])
def test_tsml_evals_loader_reads_the_class_indices(tmp_path, classes):
    tsml_eval = pytest.importorskip("tsml_eval.evaluation.storage")  # not a test dependency
    y_true = [classes[-1], classes[0], *classes]
    y_pred = [classes[-1], classes[-1], *classes[::-1]]
    path, proba = _write_v2(tmp_path, y_true, y_pred, classes)
    read = tsml_eval.load_classifier_results(str(path))  # verifies accuracy and n_classes
    assert read.class_labels.tolist() == [classes.index(c) for c in y_true]
    assert read.predictions.tolist() == [classes.index(c) for c in y_pred]
    assert np.array_equal(read.probabilities, proba) and read.n_classes == len(classes)


def test_line_3_has_tsml_evals_nine_fields_with_the_number_of_classes(tmp_path):
    # tsml-eval's write_classification_results writes accuracy, fit, predict, benchmark,
    # memory, n_classes, train estimate method, its time, fit and estimate time; its
    # load_classifier_results reads n_classes from field 6 (index 5)
    cases = Cases(["0", "2", "1"], ["0", "2", "2"], np.eye(3)[[0, 2, 2]], ["0", "1", "2"])
    rec = harness.blank_record("D", "m", 0, status="ok", accuracy=2 / 3, peak_rss_mb=1.0)
    path = write_cell(tmp_path, rec, cases)
    line3 = path.read_text().splitlines()[2].split(",")
    assert line3 == [repr(2 / 3), "-1", "-1", "-1", str(2**20), "3", "", "-1", "-1"]
    no_cases = write_cell(tmp_path / "a", _record(n_classes=4.0), None)
    assert no_cases.read_text().splitlines()[2].split(",")[5] == "4"
    unknown = write_cell(tmp_path / "b", _record(), None)
    assert unknown.read_text().splitlines()[2].split(",")[5] == "-1"
    assert read_cell(path)[0]["accuracy"] == 2 / 3
    tsml_eval = pytest.importorskip("tsml_eval.evaluation.storage")  # not a test dependency
    read = tsml_eval.load_classifier_results(str(path))  # verifies accuracy and n_classes
    assert read.n_classes == 3 and read.predictions.tolist() == [0, 2, 2]


def test_failures_are_kept_apart_and_cleared_when_the_cell_finishes(tmp_path):
    failed = harness.blank_record("D", "m", 0, status="failed", error="RuntimeError: x")
    write_failure(tmp_path, failed)
    assert not cell_path(tmp_path, "m", "D", 0).exists()
    df = load_results(tmp_path)
    assert df["status"].tolist() == ["failed"] and df["error"].tolist() == ["RuntimeError: x"]
    with pytest.raises(ValueError, match="only a finished cell"):
        write_cell(tmp_path, failed)
    rec = harness.blank_record("D", "m", 0, status="ok", accuracy=1.0)
    write_cell(tmp_path, rec)
    assert not failure_path(tmp_path, "m", "D", 0).exists()
    assert load_results(tmp_path)["status"].tolist() == ["ok"]


def test_bad_names_cases_and_out_paths_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot name a results folder"):
        cell_path(tmp_path, "../m", "D", 0)
    with pytest.raises(ValueError, match="3 true labels, 2 predictions"):
        Cases(["a", "b", "a"], ["a", "b"], np.ones((3, 1)), ["a"])
    with pytest.raises(ValueError, match="2 probability columns for 1 classes"):
        Cases(["a"], ["a"], np.ones((1, 2)), ["a"])
    old = tmp_path / "old.csv"
    old.write_text("dataset,method,seed\n")
    with pytest.raises(UsageError, match="is a file.*convert_results.py"):
        check_out_folder(old)
    path = write_cell(tmp_path / "r", _record(), None)
    path.write_text(path.read_text() + "a,a,,1.0\n")  # a case line the header does not count
    with pytest.raises(ValueError, match="1 case line"):
        read_cell(path)
    with pytest.warns(UserWarning, match="skipping"):
        assert load_results(tmp_path / "r").empty


def test_registry_names_renamed_methods_and_checks_its_entries():
    reg = harness.Registry("demo", renamed={"old": "new"})
    reg.register(harness.Method("new", "published", "d", load=lambda d: {}))
    assert reg.check(["new"]) == ["new"] and reg.names("run") == ()
    with pytest.raises(UsageError, match="'old' was renamed 'new'; choose from new"):
        reg.check(["old"])
    with pytest.raises(ValueError, match="registered twice"):
        reg.register(harness.Method("new", "published", "d", load=lambda d: {}))
    with pytest.raises(ValueError, match="needs \\['kwargs', 'build'\\]"):
        harness.Method("x", "run", "d")


def test_run_cell_records_a_failure_and_lets_ctrl_c_through():
    def boom(row):
        raise RuntimeError("no\nluck")

    rec, cases = harness.run_cell(harness.blank_record("D", "m", 0), boom)
    assert rec["status"] == "failed" and rec["error"] == "RuntimeError: no luck"
    assert cases is None and rec["peak_rss_mb"] > 0 and rec["finished_at"]

    def interrupted(row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harness.run_cell(harness.blank_record("D", "m", 0), interrupted)


def test_resume_refusal_names_the_parameter(tmp_path):
    from tsreprog.results import check_resume

    prev = {"params": '{"a": 1}', "estimator_params": json.dumps({"a": 1, "b": 2})}
    check_resume(tmp_path, ("m", "D", 0), prev, '{"a": 1}', json.dumps({"a": 1, "b": 2}))
    with pytest.raises(UsageError, match="b: 2 -> 3.*another --out"):
        check_resume(tmp_path, ("m", "D", 0), prev, '{"a": 1}', json.dumps({"a": 1, "b": 3}))


def test_a_row_made_before_a_neutral_parameter_existed_resumes(tmp_path):
    """``max_steps`` was added with the default None (no budget, the same fit): a row recorded
    before it existed resumes under that default, and only under it."""
    from tsreprog.results import check_resume

    today = {"lr": 0.05, "max_steps": None}
    before = {"lr": 0.05}  # no max_steps key
    prev = {"params": "{}", "estimator_params": json.dumps(before)}
    check_resume(tmp_path, ("m", "D", 0), prev, "{}", json.dumps(today))
    with pytest.raises(UsageError, match=r"max_steps: None -> 300.*another --out"):
        check_resume(tmp_path, ("m", "D", 0), prev, "{}", json.dumps({**today, "max_steps": 300}))
    # another estimator without the parameter is not given it
    other = {"params": "{}", "estimator_params": json.dumps({"n_kernels": 84})}
    check_resume(tmp_path, ("m", "D", 0), other, "{}", json.dumps({"n_kernels": 84}))
    # a parameter missing from the record that is not of that kind still refuses
    with pytest.raises(UsageError, match=r"dropout: '<absent>' -> 0.0"):
        check_resume(tmp_path, ("m", "D", 0), prev, "{}", json.dumps({**today, "dropout": 0.0}))


def test_one_tie_rule_and_the_critical_difference_diagram(tmp_path):
    # 145/150 ties the printed 96.67 at 4 decimals
    assert win_tie_loss([145 / 150, 0.9], [0.9667, 0.95]) == (0, 1, 1)
    import pandas as pd

    table = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.6, 0.5, 0.4], "c": [0.8, 0.9, 0.5]})
    path = plot_critical_difference(table, tmp_path / "cd.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="at least 3 methods"):
        plot_critical_difference(table[["a", "b"]], tmp_path / "x.png")


def test_md_dataset_table_gives_percent_rows_in_the_order_asked():
    import pandas as pd

    from tsreprog.report import md_dataset_table

    table = pd.DataFrame({"a": [0.5, 0.91234], "b": [1.0, 0.0]}, index=["X", "Y"])
    assert md_dataset_table(table, ["Y", "X"]).splitlines() == [
        "| dataset | a | b |",
        "|---|---|---|",
        "| Y | 91.2 | 0.0 |",
        "| X | 50.0 | 100.0 |",
    ]
    assert md_dataset_table(table, decimals=2).splitlines()[2] == "| X | 50.00 | 100.00 |"


def test_vote_accuracy_sums_the_members_probabilities(tmp_path):
    from tsreprog.results import vote_accuracy

    y, classes = ["a", "b", "b"], ["a", "b"]
    # member 1 is right on cases 0 and 1, member 2 on cases 1 and 2; summed, all three
    p1 = np.array([[0.9, 0.1], [0.4, 0.6], [0.55, 0.45]])
    p2 = np.array([[0.4, 0.6], [0.3, 0.7], [0.1, 0.9]])
    paths = [
        write_cell(
            tmp_path / str(k), _record(), Cases(y, [classes[i] for i in p.argmax(1)], p, classes)
        )
        for k, p in enumerate((p1, p2))
    ]
    assert vote_accuracy(paths[:1]) == pytest.approx(2 / 3)
    assert vote_accuracy(paths) == 1.0
    assert vote_accuracy([paths[0], tmp_path / "missing.csv"]) is None
