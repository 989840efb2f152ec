import numpy as np
import pytest

from tsreprog import reprogram_ensemble

_rng = np.random.RandomState(0)
X, y = _rng.randn(24, 30), np.repeat(["a", "b", "c"], 8)
TINY = {"backbone": "tiny-test", "epochs": 2}


def test_the_ensemble_averages_its_members_probabilities():
    ens = reprogram_ensemble(
        ("repeat", "am"), n_seeds=2, random_state=0, backbone="tiny-test", epochs=2
    )
    ens.fit(X, y)
    assert list(ens.named_estimators_) == ["repeat-0", "am-0", "repeat-1", "am-1"]
    members = [m.predict_proba(X) for m in ens.estimators_]
    np.testing.assert_allclose(ens.predict_proba(X), np.mean(members, axis=0))
    seeds = [m.random_state for m in ens.estimators_]
    assert seeds[0] == seeds[1] != seeds[2] == seeds[3]  # one seed per k, shared by the views
    assert [m.placement_.name for m in ens.estimators_] == ["repeat", "am"] * 2
    again = reprogram_ensemble(
        ("repeat", "am"), n_seeds=2, random_state=0, backbone="tiny-test", epochs=2
    )
    np.testing.assert_array_equal(again.fit(X, y).predict_proba(X), ens.predict_proba(X))


def test_bad_ensembles_are_refused():
    with pytest.raises(ValueError, match="n_seeds >= 1"):
        reprogram_ensemble(n_seeds=0)
    with pytest.raises(ValueError, match="at least one placement"):
        reprogram_ensemble(placements=())
