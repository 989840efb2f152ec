import json
import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from tsreprog import ReprogramClassifier
from tsreprog.backbones import create_backbone, save_backbone_weights
from tsreprog.mappings import list_mappings

_rng = np.random.RandomState(0)
X = _rng.randn(24, 30)


def tiny(**kw):
    return ReprogramClassifier(
        **{"backbone": "tiny-test", "epochs": 2, "random_state": 0, "placement": "repeat", **kw}
    )


@pytest.mark.parametrize(
    "kw",
    [{"mapping": name} for name in list_mappings()]
    + [{"finetune": True, "placement": "am"}, {"scaling": "series", "mask": True}],
)
@pytest.mark.parametrize("labels", [np.repeat(["cat", "dog", "eel"], 8), np.tile([-1, 1], 12)])
def test_save_and_load_give_identical_probabilities(tmp_path, kw, labels):
    clf = tiny(**kw).fit(X, labels)
    clf.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "config.json",
        "model.safetensors",
    ]
    again = ReprogramClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.classes_, clf.classes_)
    assert again.classes_.dtype == clf.classes_.dtype
    assert again.get_params(deep=True).keys() == clf.get_params(deep=True).keys()
    assert repr(again) == repr(clf)
    if clf.mapping_matrix_ is not None:
        np.testing.assert_array_equal(again.mapping_matrix_, clf.mapping_matrix_)


def test_ragged_fit_saves_without_a_feature_count(tmp_path):
    series = [_rng.randn(n) for n in (20, 25, 30, 35) * 3]
    clf = tiny().fit(series, [0, 1] * 6)
    again = ReprogramClassifier.load(clf.save(tmp_path / "r"))
    assert not hasattr(again, "n_features_in_")
    np.testing.assert_array_equal(again.predict_proba(series), clf.predict_proba(series))


def test_the_saved_shipped_model_is_small_and_names_its_backbone(tmp_path):
    clf = ReprogramClassifier(epochs=1, random_state=0, placement="repeat")
    folder = clf.fit(X, np.tile([0, 1], 12)).save(tmp_path / "gp")
    config = json.loads((folder / "config.json").read_text())
    assert config["backbone"]["name"] == "attrnn"
    assert config["backbone"]["sha256"] == clf.backbone_sha256_
    size = (folder / "model.safetensors").stat().st_size
    # θ (16,000 float32) and a 36 x 2 linear map, not the backbone's 218,323 numbers
    assert 16_000 * 4 < size < 16_000 * 4 + 4_096
    assert size < len(pickle.dumps(clf)) + 4_096


def test_a_changed_backbone_is_refused_naming_both_checksums(tmp_path):
    weights = tmp_path / "w.pt"
    save_backbone_weights(create_backbone("tiny-test", weights=None, seed=1), weights, {})
    clf = tiny(weights=str(weights)).fit(X, np.tile([0, 1], 12))
    clf.save(tmp_path / "m")
    save_backbone_weights(create_backbone("tiny-test", weights=None, seed=2), weights, {})
    now = create_backbone("tiny-test", weights=weights)
    from tsreprog.backbones import state_dict_sha256

    with pytest.raises(ValueError, match=f"{state_dict_sha256(now)}.*{clf.backbone_sha256_}"):
        ReprogramClassifier.load(tmp_path / "m")


def test_a_saved_default_backbone_survives_a_change_of_the_default_tag(tmp_path, monkeypatch):
    # an estimator fitted with backbone="attrnn", weights="default" records the weights'
    # sha256, not the tag; if a later release makes another tag the default, loading must
    # find the weights it was fitted with (here: swap the order of attrnn's two shipped tags)
    import dataclasses

    from tsreprog.backbones import _registry, get_backbone_cfg

    cfg = get_backbone_cfg("attrnn")
    if len(cfg.weights) < 2:
        pytest.skip("needs two shipped attrnn weights tags")
    y = np.tile([0, 1], 12)
    clf = ReprogramClassifier(epochs=1, placement="repeat", random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    clf.save(tmp_path / "m")
    swapped = dict(reversed(list(cfg.weights.items())))
    monkeypatch.setitem(_registry._CFGS, "attrnn", dataclasses.replace(cfg, weights=swapped))
    assert next(iter(get_backbone_cfg("attrnn").weights)) != next(iter(cfg.weights))
    loaded = ReprogramClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(X), before, rtol=0, atol=1e-6)
    assert loaded.weights == "default" and loaded.backbone == "attrnn"  # parameters untouched
    # a checksum that no shipped tag has is still refused
    loaded.backbone_sha256_ = "0" * 64
    with pytest.raises(ValueError, match="weights file changed"):
        loaded._restore_model()


class _Crafted:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_load_runs_nothing_from_the_files(tmp_path):
    clf = tiny().fit(X, np.tile([0, 1], 12))
    folder = clf.save(tmp_path / "m")
    (folder / "model.safetensors").write_bytes(pickle.dumps(_Crafted(tmp_path / "proof")))
    with pytest.raises(Exception):  # noqa: B017 - safetensors' own parse error
        ReprogramClassifier.load(folder)
    assert not (tmp_path / "proof").exists()


def test_save_and_load_refuse_what_they_cannot_do(tmp_path):
    with pytest.raises(NotFittedError):
        tiny().save(tmp_path / "u")
    with pytest.raises(FileNotFoundError, match="holds no saved estimator"):
        ReprogramClassifier.load(tmp_path)
    from tsreprog.saving import _labels

    with pytest.raises(ValueError, match="cannot be written as JSON"):
        _labels(np.array([1 + 2j, 3j]))  # labels JSON cannot hold
    clf = tiny().fit(X, np.tile([0, 1], 12))
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="writes a folder"):
        clf.save(tmp_path / "f")
