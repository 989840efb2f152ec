"""``tsreprog bench-cost`` and the MiniRocket baseline it times (tests check results, not
speed: the times themselves are the benchmark's output)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsreprog import cost
from tsreprog.baselines import MiniRocketRidge
from tsreprog.cli import main as cli_main
from tsreprog.data.ucr import load_dataset


def test_minirocket_ridge_predicts_what_sktimes_rocket_classifier_predicts():
    from sktime.classification.kernel_based import RocketClassifier

    X_train, y_train, X_test, _ = load_dataset("ItalyPowerDemand")
    ours = MiniRocketRidge(num_kernels=840, random_state=0).fit(X_train, y_train)
    theirs = RocketClassifier(rocket_transform="minirocket", num_kernels=840, random_state=0)
    theirs.fit(X_train[:, None, :], y_train)
    np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test[:, None, :]))
    assert list(ours.classes_) == sorted(set(y_train))


def test_minirocket_ridge_refuses_multivariate_input():
    with pytest.raises(ValueError, match="univariate equal-length"):
        MiniRocketRidge().fit(np.zeros((4, 2, 20)), [0, 0, 1, 1])


def _rows(dataset, seconds, accuracy, epochs=10):
    return [
        {
            "dataset": dataset,
            "method": m,
            "seed": 0,
            "status": "ok",
            "fit_seconds": s,
            "accuracy": accuracy,
            "n_iter": epochs if m == "tsreprog" else None,
            "n_train": 50,
            "length": "150",
        }
        for m, s in zip(cost.METHODS, seconds)
    ]


def test_cost_table_ratios_and_summary():
    df = pd.DataFrame(
        _rows("A", (4.0, 3.0, 1.0), 0.9)
        + _rows("B", (9.0, 3.0, 3.0), 0.8)
        + [{**_rows("C", (1, 1, 1), 0.5)[0]}]  # C lacks the MiniRocket rows: left out
    )
    table = cost.cost_table(df)
    assert list(table.index) == ["A", "B"]
    assert table.loc["A", "ratio"] == pytest.approx(4.0)
    assert table.loc["B", "ratio"] == pytest.approx(3.0)
    assert table.loc["A", "ratio_sktime"] == pytest.approx(4.0 / 3.0)
    text = cost.format_cost(table)
    assert "median 3.50, largest 4.00 (A); 0 of 2 within 2x" in text


def test_bench_cost_command_runs_both_parts(tmp_path, capsys):
    out = tmp_path / "cost"
    code = cli_main(
        [
            "bench-cost",
            "--datasets",
            "ItalyPowerDemand",
            "--out",
            str(out),
            "--sizes",
            "8,16",
            "--lengths",
            "24",
            "--plot",
            str(tmp_path / "growth.png"),
            "--set",
            "backbone=tiny-test",
            "epochs=1",
            "minirocket__num_kernels=84",
            "minirocket-ridge__num_kernels=84",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "| ItalyPowerDemand | 67 | 24 |" in printed
    assert "| 24 | 8 |" in printed and "| 24 | 16 |" in printed
    assert (tmp_path / "growth.png").stat().st_size > 0
    # the per-dataset part is an ordinary results folder: one file per method
    assert sorted(p.name for p in out.iterdir()) == sorted(cost.METHODS)


def test_bench_cost_refuses_bad_grid_values(capsys):
    assert cli_main(["bench-cost", "--no-grid", "--sizes", "a,b"]) == 2
    assert "--sizes 'a,b'" in capsys.readouterr().err
