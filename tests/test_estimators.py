import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from tsreprog import ReprogramClassifier
from tsreprog.backbones import create_backbone, save_backbone_weights, state_dict_sha256
from tsreprog.mappings import ManyToOne
from tsreprog.placements import Repeat, Resample


def fast(**kw):
    # the random tiny backbone learns the toy problems with a random assignment; the
    # default "frequency" assignment is tested on its own below
    params = dict(
        backbone="tiny-test",
        epochs=2,
        random_state=0,
        mapping=ManyToOne(assignment="random"),
        placement="repeat",  # one reprogramming (the default is an ensemble of two views)
    )
    params.update(kw)
    return ReprogramClassifier(**params)


# the common checks run on the defaults (linear mapping) and on the many-to-one mapping with
# the frequency assignment, only smaller and faster
@parametrize_with_checks(
    [
        ReprogramClassifier(backbone="tiny-test", epochs=2, random_state=0),
        ReprogramClassifier(backbone="tiny-test", epochs=2, random_state=0, mapping="many_to_one"),
        # an ensemble: one member per placement
        ReprogramClassifier(
            backbone="tiny-test", epochs=2, random_state=0, placement=("repeat", "am")
        ),
    ],
    expected_failed_checks=lambda est: {},
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_param_validation():
    check_param_validation("ReprogramClassifier", fast())


def test_learns_a_toy_problem_and_reports_its_history(toy_series):
    X, y = toy_series
    clf = fast(epochs=15, lr=0.05, patience=None).fit(X, y)
    assert clf.score(X, y) >= 0.9
    assert set(clf.history_) >= {"epoch", "train_loss", "lr"}
    assert len(clf.history_["train_loss"]) == clf.n_iter_ == 15
    assert clf.n_trainable_params_ == 1600 == clf.theta_.size
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])


def test_validation_split_history_and_best_epoch(toy_series):
    X, y = toy_series
    clf = fast(epochs=6, validation_fraction=0.25, patience=None).fit(X, y)
    assert len(clf.history_["val_loss"]) == 6 == len(clf.history_["val_accuracy"])
    best = int(np.argmin(clf.history_["val_loss"])) + 1
    assert clf.best_epoch_ == best


def test_early_stopping_stops(toy_series):
    X, y = toy_series
    clf = fast(epochs=200, lr=1e-9, patience=2).fit(X, y)
    assert clf.n_iter_ < 200


def test_loss_floor_stops_once_the_training_loss_is_near_zero(toy_series):
    X, y = toy_series
    assert ReprogramClassifier().loss_floor == 0.01  # the default
    # the linear mapping lets the tiny backbone fit the toy series exactly
    today = fast(epochs=80, mapping="linear", patience=20, loss_floor=None).fit(X, y)
    floored = fast(epochs=80, mapping="linear", patience=20, loss_floor=0.01).fit(X, y)
    assert min(today.history_["train_loss"]) < 0.01  # the toy fit does reach ~0
    assert floored.n_iter_ < today.n_iter_
    assert max(floored.history_["train_loss"][-5:]) < 0.01
    # same trajectory up to the stop: the rule only ends the loop earlier
    n = floored.n_iter_
    assert floored.history_["train_loss"] == today.history_["train_loss"][:n]


def test_max_steps_ends_the_fit_with_the_epoch_that_reaches_the_budget(toy_series):
    X, y = toy_series  # 24 series, batch 8: 3 steps an epoch
    assert ReprogramClassifier().max_steps is None  # the default: epochs alone bound a fit
    full = fast(epochs=12, batch_size=8, patience=None, loss_floor=None).fit(X, y)
    capped = fast(epochs=12, batch_size=8, patience=None, loss_floor=None, max_steps=10).fit(X, y)
    assert full.n_iter_ == 12 and capped.n_iter_ == 4  # 12 steps: the epoch that passes 10
    # the same trajectory up to the budget: the rule only ends the loop earlier
    assert capped.history_["train_loss"] == full.history_["train_loss"][:4]
    # a budget the epochs never reach changes nothing
    roomy = fast(epochs=12, batch_size=8, patience=None, loss_floor=None, max_steps=36).fit(X, y)
    assert roomy.history_ == full.history_
    np.testing.assert_array_equal(roomy.theta_, full.theta_)


def test_loss_floor_does_not_change_a_fit_with_a_validation_split(toy_series):
    X, y = toy_series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs may end on the best
        fits = [
            fast(
                epochs=30, mapping="linear", patience=5, validation_fraction=0.25, loss_floor=f
            ).fit(X, y)
            for f in (None, 0.01)
        ]
    assert fits[0].history_ == fits[1].history_
    assert fits[0].best_epoch_ == fits[1].best_epoch_
    np.testing.assert_array_equal(fits[0].theta_, fits[1].theta_)


def test_validation_falls_back_with_a_warning_when_classes_are_tiny():
    X = np.random.RandomState(0).randn(5, 30)
    y = np.array([0, 0, 0, 0, 1])
    with pytest.warns(UserWarning, match="training loss"):
        clf = fast(validation_fraction=0.2).fit(X, y)
    assert "val_loss" not in clf.history_


def test_backbone_weights_are_bit_identical_after_fit(toy_series, tmp_path):
    X, y = toy_series
    path = tmp_path / "bb.pt"
    save_backbone_weights(create_backbone("tiny-test", weights=None, seed=7), path, {})
    before = {
        k: v.clone() for k, v in create_backbone("tiny-test", weights=path).state_dict().items()
    }
    clf = fast(weights=str(path), epochs=3, lr=0.1).fit(X, y)
    after = clf.model_.backbone.state_dict()
    assert before.keys() == after.keys()
    for k in before:
        assert torch.equal(before[k], after[k]), k
    assert not np.allclose(clf.theta_, 0)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([-1, 1]),
        np.array(["cat", "dog"]),
        np.array([-1.0, 1.0]),
        np.array([2.0, 7.0]),
        np.array([True, False]),
    ],
)
def test_labels_of_any_type_round_trip(toy_series, labels):
    X, y = toy_series
    yy = np.where(y == "sine", labels[0], labels[1])
    clf = fast(epochs=10, validation_fraction=None).fit(X, yy)
    assert set(clf.classes_) == set(labels)
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    assert (pred == yy).mean() >= 0.8  # -1 and 1 stay two classes


def test_input_forms_give_the_same_predictions(toy_series):
    X, y = toy_series
    clf = fast().fit(X, y)
    ref = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(X[:, None, :]), ref, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(pd.DataFrame(X)), ref, rtol=1e-6)
    nested = pd.DataFrame({"dim_0": [pd.Series(row) for row in X]})
    np.testing.assert_allclose(clf.predict_proba(nested), ref, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(list(X)), ref, rtol=1e-6)


def test_variable_length_lists(toy_series):
    X, y = toy_series
    ragged = [row[: 25 + i % 15] for i, row in enumerate(X)]
    clf = fast().fit(ragged, y)
    assert not hasattr(clf, "n_features_in_")
    assert clf.predict(ragged).shape == (len(y),)
    assert clf.predict(X).shape == (len(y),)


@pytest.mark.parametrize(
    "X,match",
    [
        (np.full((4, 10), np.nan), "NaN"),
        ([np.ones(5), np.array([1.0, np.inf, 2.0])], "NaN or infinity"),
        ([np.ones(5), np.ones(0)], "empty"),
        (np.zeros((4, 2, 10)), "channels"),
        (np.zeros((0, 10)), "0 sample"),
    ],
)
def test_bad_input_is_named(X, match):
    y = np.array([0, 1] * (max(len(X), 2) // 2))[: len(X)]
    with pytest.raises(ValueError, match=match):
        fast().fit(X, y)


def test_non_integer_float_labels_are_a_regression_target():
    # scikit-learn's convention: 0.5 / 2.5 reads as continuous; pass such labels as strings
    X = np.random.RandomState(0).randn(6, 20)
    with pytest.raises(ValueError, match="Unknown label type"):
        fast().fit(X, np.array([0.5, 2.5, 0.5, 2.5, 0.5, 2.5]))
    clf = fast(validation_fraction=None).fit(X, np.array(["0.5", "2.5"] * 3))
    assert list(clf.classes_) == ["0.5", "2.5"]


def test_one_class_and_predict_before_fit():
    X = np.random.RandomState(0).randn(6, 20)
    with pytest.raises(ValueError, match="one class"):
        fast().fit(X, np.zeros(6))
    with pytest.raises(NotFittedError):
        fast().predict(X)


def test_many_to_one_with_too_many_classes_suggests_linear():
    X = np.random.RandomState(0).randn(80, 20)
    y = np.arange(80) % 40
    with pytest.raises(ValueError, match="linear"):
        fast().fit(X, y)
    clf = fast(mapping="linear", validation_fraction=None).fit(X, y)
    assert clf.predict_proba(X).shape == (80, 40)
    # "auto": the backbone's readout layer (the tiny backbone's 32 pooled features)
    assert clf.n_trainable_params_ == 1600 + 32 * 40 + 40
    clf.set_params(mapping__layer="logits").fit(X, y)
    assert clf.n_trainable_params_ == 1600 + 36 * 40 + 40


def test_linear_head_on_a_missing_layer_names_the_layers_there_are():
    X, y = np.random.RandomState(0).randn(20, 20), np.arange(20) % 2
    with pytest.raises(ValueError, match="no output 'context'.*'logits', 'embedding', 'pooled'"):
        fast(mapping="linear").set_params(mapping__layer="context").fit(X, y)


def test_failed_fit_leaves_the_estimator_unfitted(toy_series):
    X, y = toy_series
    clf = fast(lr=1e30, epochs=3, validation_fraction=None)  # loss blows up
    with pytest.raises(ValueError, match="lower the learning rate"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    # and a refit after a successful fit that then fails keeps nothing half-updated
    good = fast().fit(X, y)
    theta = good.theta_.copy()
    with pytest.raises(ValueError):
        good.fit(X[:, :0], y)
    np.testing.assert_array_equal(good.theta_, theta)


def test_pickle_and_joblib_round_trip(toy_series, tmp_path):
    X, y = toy_series
    clf = fast().fit(X, y)
    ref = clf.predict_proba(X)
    state = clf.__getstate__()
    assert "_model" not in state  # no second copy of the backbone
    assert not any(isinstance(v, torch.nn.Module) for v in state.values())
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), ref)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), ref)


def test_loading_with_a_different_backbone_file_fails_clearly(toy_series, tmp_path):
    X, y = toy_series
    path = tmp_path / "bb.pt"
    save_backbone_weights(create_backbone("tiny-test", weights=None, seed=1), path, {})
    clf = fast(weights=str(path)).fit(X, y)
    blob = pickle.dumps(clf)
    other = create_backbone("tiny-test", weights=None, seed=2)
    save_backbone_weights(other, path, {})
    with pytest.raises(ValueError, match=state_dict_sha256(other)):
        pickle.loads(blob)


def test_same_random_state_same_predictions(toy_series):
    X, y = toy_series
    a = fast(epochs=3, dropout=0.2).fit(X, y).predict_proba(X)
    b = fast(epochs=3, dropout=0.2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = fast(epochs=3, dropout=0.2, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_does_not_touch_the_global_torch_rng(toy_series):
    X, y = toy_series
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fast(dropout=0.3).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("assignment", ["ordered", "random", "frequency"])
def test_mapping_assignments_are_valid(toy_series, assignment):
    X, y = toy_series
    clf = fast(mapping=ManyToOne(n_map=5, assignment=assignment)).fit(X, y)
    A = clf.mapping_matrix_
    assert A.shape == (36, 2) and (A.sum(0) == 5).all() and A.sum(1).max() == 1


@pytest.mark.parametrize(
    "kw",
    [
        dict(placement="pad"),
        dict(placement=Repeat(n_repeats=3), mask=True),
        dict(placement=Resample(length=800)),
        dict(lr_schedule="cosine"),
        dict(lr_schedule="v2s", l2=0.05, dropout=0.4),
    ],
)
def test_settings_run(toy_series, kw):
    X, y = toy_series
    assert fast(**kw).fit(X, y).predict(X).shape == (len(y),)


def test_v2s_paper_settings():
    clf = ReprogramClassifier.v2s_paper(backbone="tiny-test")
    p = clf.get_params()
    assert p["placement"] == "pad" and p["dropout"] == 0.4 and p["l2"] == 0.05
    assert p["mapping__assignment"] == "ordered" and p["lr_schedule"] == "v2s"
    assert p["backbone"] == "tiny-test"
    assert p["patience"] is None and p["loss_floor"] is None


def test_pipeline_grid_search_and_cross_validation(toy_series):
    X, y = toy_series
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z * 2.0), fast())
    assert cross_val_score(pipe, X, y, cv=3).shape == (3,)
    grid = GridSearchCV(fast(), {"lr": [0.01, 0.1]}, cv=2).fit(X, y)
    assert grid.best_params_["lr"] in (0.01, 0.1)
    assert clone(grid.best_estimator_).get_params()["lr"] == grid.best_params_["lr"]


def test_cuda_device_unavailable_is_a_clear_error(toy_series):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    X, y = toy_series
    with pytest.raises(ValueError, match="CUDA is not available"):
        fast(device="cuda").fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_end_to_end(toy_series):
    X, y = toy_series
    clf = fast(device="cuda").fit(X, y)
    cpu = fast(device="cpu").fit(X, y)
    assert clf.predict(X).shape == (len(y),)
    np.testing.assert_allclose(clf.theta_, cpu.theta_, atol=1e-3)


def test_similarity_assignment_uses_embeddings(toy_series):
    X, y = toy_series
    clf = fast(mapping=ManyToOne(n_map=3, assignment="similarity")).fit(X, y)
    A = clf.mapping_matrix_
    assert (A.sum(0) == 3).all() and A.sum(1).max() == 1


@pytest.mark.parametrize(
    "kw",
    [
        dict(finetune=True),  # reprogramming + fine-tuning
        dict(finetune=True, reprogram=False, mapping="linear"),  # plain fine-tuning
        dict(weights=None, finetune=True, reprogram=False, mapping="linear"),  # from scratch
    ],
)
def test_finetuning_variants_train_the_backbone_and_round_trip(toy_series, kw):
    X, y = toy_series
    clf = fast(epochs=2, **kw).fit(X, y)
    start = create_backbone(
        "tiny-test", weights=kw.get("weights", "default"), seed=clf.backbone_seed_
    )
    tuned = clf.model_.backbone.state_dict()
    assert any(not torch.equal(v, tuned[k]) for k, v in start.state_dict().items())
    if not kw.get("reprogram", True):
        assert not clf.theta_.any()
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_nothing_to_train_is_an_error(toy_series):
    X, y = toy_series
    with pytest.raises(ValueError, match="nothing to train"):
        fast(reprogram=False).fit(X, y)


@pytest.mark.parametrize("threads", [1, 2])
def test_cached_spectra_give_the_same_fit_as_computing_them_per_step(monkeypatch, threads):
    import tsreprog.base as est

    rng = np.random.RandomState(0)
    X, y = rng.randn(24, 40), np.repeat([0, 1, 2], 8)
    thetas = []
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for budget in (512.0, 0.0):  # the default cache, then no cache (spectra per step)
            monkeypatch.setattr(est, "_SPEC_CACHE_MB", budget)
            thetas.append(fast(epochs=3, batch_size=8).fit(X, y).theta_)
    finally:
        torch.set_num_threads(old)
    np.testing.assert_allclose(thetas[0], thetas[1], atol=1e-6, rtol=0)
    assert np.abs(thetas[0]).max() > 0  # θ was trained


def test_inspection_api_agrees_with_predict(toy_series):
    X, y = toy_series
    clf = fast(mask=True, placement=Repeat(n_repeats=3)).fit(X, y)
    info = clf.inspect(X[:5])
    window = clf.theta_.shape[0]
    for key in ("placed", "occupied", "perturbation", "input"):
        assert info[key].shape == (5, window), key
    np.testing.assert_allclose(info["input"], info["placed"] + info["perturbation"])
    assert not info["perturbation"][info["occupied"]].any()  # the mask: θ is 0 on the series
    np.testing.assert_allclose(info["proba"], clf.predict_proba(X[:5]), atol=1e-6)
    src = clf.source_proba(X[:5])
    np.testing.assert_allclose(info["source_proba"], src, atol=1e-6)
    np.testing.assert_allclose(src.sum(1), 1.0, atol=1e-6)
    assert info["logmel"].ndim == 3 and len(info["attention"]) == 5
    ragged = clf.inspect([X[0][:30], X[1]])
    assert ragged["input"].shape == (2, window)
