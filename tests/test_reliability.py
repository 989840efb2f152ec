"""Reliability: bad input as a table, interruptions, scale, devices, threads.

A new bad-input case is one line in ``FIT_CASES``, ``PREDICT_CASES`` or ``CLI_CASES``:
the input, the exception type (or exit code) expected, and a phrase its message must contain.
"""

import pickle
import threading

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import cross_val_predict
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

import tsreprog.base as est_mod
from tsreprog import ReprogramClassifier
from tsreprog.cli import main as cli_main

_RNG = np.random.RandomState(0)
_X = _RNG.randn(8, 20)
_Y = np.array([0, 1] * 4)


def tiny(**kw):
    params = {"backbone": "tiny-test", "epochs": 2, "random_state": 0, "placement": "repeat"}
    return ReprogramClassifier(**{**params, **kw})


# (case, estimator params, X, y, exception type, phrase in the message)
FIT_CASES = [
    ("NaN values", {}, np.full((4, 10), np.nan), [0, 1, 0, 1], ValueError, "NaN"),
    ("infinity", {}, [np.ones(5), np.array([1.0, np.inf, 2.0])], [0, 1], ValueError, "infinity"),
    ("empty series", {}, [np.ones(5), np.ones(0)], [0, 1], ValueError, "empty"),
    ("channels", {}, np.zeros((4, 2, 10)), [0, 1, 0, 1], ValueError, "channels"),
    ("no samples", {}, np.zeros((0, 10)), [], ValueError, "0 sample"),
    ("one class", {}, _X, np.zeros(8), ValueError, "one class"),
    ("continuous labels", {}, _X[:4], [0.5, 1.5, 2.5, 0.5], ValueError, "continuous"),
    ("X and y lengths", {}, _X, [0, 1], ValueError, "but y has 2 labels"),
    ("negative lr", {"lr": -1.0}, _X, _Y, InvalidParameterError, "'lr' parameter"),
    ("unknown scaling", {"scaling": "minmax"}, _X, _Y, InvalidParameterError, "'scaling'"),
    ("unknown placement", {"placement": "x"}, _X, _Y, InvalidParameterError, "'placement'"),
    ("epochs 0", {"epochs": 0}, _X, _Y, InvalidParameterError, "'epochs'"),
    (
        "raw values beyond float32",
        {"scaling": None},
        _X * 1e300,
        _Y,
        ValueError,
        "float32 range",
    ),
    (
        "raw values that overflow the loss",
        {"scaling": None},
        _X * 1e30,
        _Y,
        ValueError,
        "before any update",
    ),
    (
        "many-to-one with more classes than source words",
        {"mapping": "many_to_one"},
        np.tile(_X, (6, 1)),
        np.arange(48),
        ValueError,
        "mapping='linear'",
    ),
    ("no GPU", {"device": "cuda"}, _X, _Y, ValueError, "device='cpu'"),
]


@pytest.mark.parametrize(
    "params,X,y,exc,phrase", [c[1:] for c in FIT_CASES], ids=[c[0] for c in FIT_CASES]
)
def test_fit_refuses_bad_input(params, X, y, exc, phrase):
    if params.get("device") == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    clf = tiny(**params)
    with pytest.raises(exc, match=phrase):
        clf.fit(X, np.asarray(y))
    assert not hasattr(clf, "classes_"), "a failed fit must leave the estimator unfitted"


@pytest.fixture(scope="module")
def fitted():
    return tiny().fit(_X, _Y)


# (case, X at predict time, exception type, phrase)
PREDICT_CASES = [
    ("NaN", np.full((2, 20), np.nan), ValueError, "NaN"),
    ("beyond float32 after scaling", _X * 1e300, ValueError, "float32 range"),
    ("overflows the model", _X * 1e30, ValueError, "not finite"),
    ("channels", np.zeros((2, 3, 20)), ValueError, "channels"),
]


@pytest.mark.parametrize(
    "X,exc,phrase", [c[1:] for c in PREDICT_CASES], ids=[c[0] for c in PREDICT_CASES]
)
def test_predict_refuses_bad_input(fitted, X, exc, phrase):
    with pytest.raises(exc, match=phrase):
        fitted.predict_proba(X)


# (case, argv, exit code, phrase on stderr)
CLI_CASES = [
    ("threads 0", ["--threads", "0", "fit"], 2, "whole number >= 1"),
    ("threads -1", ["--threads", "-1", "fit"], 2, "whole number >= 1"),
    ("seed through --set", ["fit", "--set", "random_state=3"], 2, "use --seed"),
    ("misspelt parameter", ["fit", "--set", "lrr=0.1"], 2, "did you mean lr"),
    ("--set without =", ["fit", "--set", "lr"], 2, "PARAM=VALUE"),
    ("--set twice", ["fit", "--set", "lr=1", "lr=2"], 2, "twice"),
    ("invalid value", ["fit", "--set", "lr=-1", "epochs=1"], 2, "'lr' parameter"),
    ("unknown subcommand", ["fitt"], 2, "invalid choice"),
]


@pytest.mark.parametrize(
    "argv,code,phrase", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_user_errors_are_one_line(argv, code, phrase, capsys):
    try:
        rc = cli_main(argv)
    except SystemExit as e:  # argparse's own usage errors
        rc = e.code
    err = capsys.readouterr().err.strip()
    assert rc == code
    assert phrase in err
    assert "Traceback" not in err and len(err.splitlines()) <= 3  # argparse adds its usage


def test_cli_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("TSREPROG_DEBUG", "1")
    with pytest.raises(ValueError, match="use --seed"):
        cli_main(["fit", "--set", "random_state=3"])


def test_cli_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ReprogramClassifier, "fit", interrupted)
    assert cli_main(["fit"]) == 130
    assert "interrupted" in capsys.readouterr().err


# ----------------------------------------------------------------------------- interruption
def _interrupt_after(monkeypatch, n_steps):
    real = est_mod.train_loop

    def loop(model, step_loss, *a, **k):
        calls = {"n": 0}

        def step(idx):
            calls["n"] += 1
            if calls["n"] > n_steps:
                raise KeyboardInterrupt
            return step_loss(idx)

        return real(model, step, *a, **k)

    monkeypatch.setattr(est_mod, "train_loop", loop)


def test_ctrl_c_in_a_first_fit_leaves_it_unfitted(monkeypatch):
    _interrupt_after(monkeypatch, 3)
    clf = tiny(epochs=20)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(_X, _Y)
    assert not hasattr(clf, "classes_") and not hasattr(clf, "theta_")


def test_ctrl_c_in_a_refit_leaves_the_previous_fit(monkeypatch):
    clf = tiny(epochs=10).fit(_X, _Y)
    before = (clf.theta_.copy(), clf.n_iter_, clf.predict_proba(_X))
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(_X[::-1] * 3, _Y)
    np.testing.assert_array_equal(clf.theta_, before[0])
    assert clf.n_iter_ == before[1]
    np.testing.assert_array_equal(clf.predict_proba(_X), before[2])


# ------------------------------------------------------------------------------------ scale
def test_dataset_scaling_makes_the_units_irrelevant():
    ref = tiny().fit(_X, _Y).predict_proba(_X)
    for factor, offset in [(1e-3, 0.0), (1e3, 0.0), (1.0, 500.0), (1e3, -2e4)]:
        Xs = _X * factor + offset
        np.testing.assert_allclose(tiny().fit(Xs, _Y).predict_proba(Xs), ref, atol=1e-4)


def test_raw_values_depend_on_the_units():
    raw = tiny(scaling=None).fit(_X, _Y).predict_proba(_X)
    milli = tiny(scaling=None).fit(_X * 1e-3, _Y).predict_proba(_X * 1e-3)
    assert np.abs(raw - milli).max() > 1e-3


def test_series_scaling_ignores_each_series_level_and_amplitude():
    clf = tiny(scaling="series").fit(_X, _Y)
    factors = np.arange(1, 9)[:, None]
    np.testing.assert_allclose(
        clf.predict_proba(_X * factors + 7 * factors), clf.predict_proba(_X), atol=1e-4
    )


def test_learned_scale_is_applied_at_predict_time():
    clf = tiny().fit(_X * 100 + 50, _Y)
    assert clf.scale_mean_ == pytest.approx(np.mean(_X * 100 + 50))
    assert clf.scale_std_ == pytest.approx(np.std(_X * 100 + 50))


# ---------------------------------------------------------------------------------- devices
def test_a_model_fitted_for_another_device_unpickles_and_predicts_on_the_cpu():
    clf = tiny().fit(_X, _Y)
    proba = clf.predict_proba(_X)
    clf.set_params(device="cuda")  # as if fitted on a GPU machine
    loaded = pickle.loads(pickle.dumps(clf))  # loading never needs the device
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="set_params\\(device='cpu'\\)"):
            loaded.predict_proba(_X)
    loaded.set_params(device="cpu")
    np.testing.assert_array_equal(loaded.predict_proba(_X), proba)


# ---------------------------------------------------------------------------------- threads
def test_same_seed_fits_in_parallel_threads_equal_sequential_fits():
    # Each fit owns its generators, so concurrent fits draw the same numbers as sequential
    # ones; they agree to float rounding, not bit for bit, because the BLAS library's thread
    # count is process-wide and changes the order of float sums (seen: up to 2e-7). Before
    # per-fit generators the same comparison differed by up to 0.999.
    n_threads = torch.get_num_threads()
    seq = [tiny(dropout=0.2, random_state=s).fit(_X, _Y).predict_proba(_X) for s in (0, 1)]
    out = {}

    def work(s):
        torch.set_num_threads(n_threads)
        out[s] = tiny(dropout=0.2, random_state=s).fit(_X, _Y).predict_proba(_X)

    threads = [threading.Thread(target=work, args=(s,)) for s in (0, 1, 0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in (0, 1):
        np.testing.assert_allclose(out[s], seq[s], rtol=0, atol=1e-5)


def test_cross_val_predict_under_threads_equals_the_sequential_run():
    from joblib import parallel_backend

    X, y = np.tile(_X, (2, 1)), np.tile(_Y, 2)
    seq = cross_val_predict(tiny(), X, y, cv=4, method="predict_proba")
    with parallel_backend("threading", n_jobs=2):
        par = cross_val_predict(tiny(), X, y, cv=4, method="predict_proba", n_jobs=2)
    np.testing.assert_allclose(par, seq, rtol=0, atol=1e-5)  # see the test above


def test_global_torch_state_is_left_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    n_threads = torch.get_num_threads()
    torch.manual_seed(123)
    tiny(dropout=0.2).fit(_X, _Y).predict(_X)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())
    assert torch.get_num_threads() == n_threads


# ------------------------------------------------------------------------------------ refit
def test_a_refit_on_arrays_forgets_the_feature_names():
    clf = tiny().fit(pd.DataFrame(_X, columns=[f"t{i}" for i in range(20)]), _Y)
    assert hasattr(clf, "feature_names_in_")
    clf.fit([s[: 10 + i] for i, s in enumerate(_X)], _Y)
    assert not hasattr(clf, "feature_names_in_")
    check_is_fitted(clf)
