import pickle

import numpy as np
import pytest

from tsreprog import ReprogramClassifier, reprogram_ensemble

_rng = np.random.RandomState(0)
X, y = _rng.randn(24, 30), np.repeat(["a", "b", "c"], 8)
TINY = {"backbone": "tiny-test", "epochs": 2}


def test_the_ensemble_averages_its_members_probabilities():
    ens = ReprogramClassifier(placement=("repeat", "am"), n_seeds=2, random_state=0, **TINY)
    ens.fit(X, y)
    assert len(ens.estimators_) == 4 and not hasattr(ens, "theta_")
    members = [m.predict_proba(X) for m in ens.estimators_]
    np.testing.assert_allclose(ens.predict_proba(X), np.mean(members, axis=0))
    seeds = [m.random_state for m in ens.estimators_]
    assert seeds[0] == seeds[1] == 0 != seeds[2] == seeds[3]  # the first seed is random_state
    assert [m.placement_.name for m in ens.estimators_] == ["repeat", "am"] * 2
    assert ens.n_trainable_params_ == sum(m.n_trainable_params_ for m in ens.estimators_)
    assert list(ens.n_iter_) == [m.n_iter_ for m in ens.estimators_]
    again = reprogram_ensemble(("repeat", "am"), n_seeds=2, random_state=0, **TINY)
    np.testing.assert_array_equal(again.fit(X, y).predict_proba(X), ens.predict_proba(X))


def test_a_member_of_the_first_seed_is_the_single_fit_of_its_view():
    ens = ReprogramClassifier(placement=("repeat", "am"), random_state=3, **TINY).fit(X, y)
    single = ReprogramClassifier(placement="am", random_state=3, **TINY).fit(X, y)
    np.testing.assert_array_equal(ens.estimators_[1].predict_proba(X), single.predict_proba(X))


def test_an_ensemble_saves_pickles_and_refits_as_one_reprogramming(tmp_path):
    ens = ReprogramClassifier(placement=("repeat", "am"), random_state=0, **TINY).fit(X, y)
    p = ens.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ens)).predict_proba(X), p)
    ens.save(tmp_path / "ens")
    loaded = ReprogramClassifier.load(tmp_path / "ens")
    np.testing.assert_array_equal(loaded.predict_proba(X), p)
    assert loaded.placement == ("repeat", "am") and len(loaded.estimators_) == 2
    # a refit as one reprogramming leaves no member behind, and the reverse no θ
    ens.set_params(placement="repeat").fit(X, y)
    assert not hasattr(ens, "estimators_") and ens.theta_.ndim == 1
    ens.set_params(n_seeds=2).fit(X, y)
    assert not hasattr(ens, "theta_") and len(ens.estimators_) == 2


def test_inspection_of_an_ensemble_names_the_member_route():
    ens = ReprogramClassifier(placement=("repeat", "am"), random_state=0, **TINY).fit(X, y)
    for call in (ens.inspect, ens.source_proba, ens.place):
        with pytest.raises(ValueError, match=r"ensemble of 2 members.*estimators_\[0\]"):
            call(X)
    assert ens.estimators_[0].inspect(X[:2])["proba"].shape == (2, 3)


def test_bad_ensembles_are_refused():
    with pytest.raises(ValueError, match="n_seeds >= 1"):
        reprogram_ensemble(n_seeds=0)
    with pytest.raises(ValueError, match="at least one placement"):
        reprogram_ensemble(placements=())
    with pytest.raises(ValueError, match="no-such"):
        ReprogramClassifier(placement=("repeat", "no-such"), **TINY).fit(X, y)
    with pytest.raises(ValueError, match="several placements"):
        ReprogramClassifier(placement=("repeat", "am")).set_params(placement__length=64)
    with pytest.raises(ValueError, match="n_seeds"):
        ReprogramClassifier(n_seeds=0, **TINY).fit(X, y)


def test_plots_of_an_ensemble_name_the_member_route():
    pytest.importorskip("matplotlib")
    from tsreprog import plot as tplot

    ens = ReprogramClassifier(placement=("repeat", "am"), random_state=0, **TINY).fit(X, y)
    for draw in (tplot.plot_theta, tplot.plot_mapping, tplot.plot_history):
        with pytest.raises(ValueError, match=r"ensemble of 2 .*clf\.estimators_\[0\]"):
            draw(ens)
    fig = tplot.plot_history(ens.estimators_[0])
    assert fig.axes
