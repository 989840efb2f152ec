import json

import pytest
import torch

from tsreprog.backbones import (
    create_backbone,
    get_backbone_cfg,
    list_backbones,
    save_backbone_weights,
    state_dict_sha256,
)
from tsreprog.backbones._registry import _CFGS


def test_registry_lists_the_backbones():
    assert {"attrnn", "crepe", "resemblyzer", "silero-vad", "tiny-test"} <= set(list_backbones())
    assert list_backbones("tiny*") == ["tiny-test"]


@pytest.mark.parametrize("name", list_backbones())
def test_forward_shape_attention_and_frozen_eval_invariance(name):
    bb = create_backbone(name, weights=None, seed=0).freeze()
    cfg = bb.cfg
    wave = torch.randn(2, cfg.input_samples)
    logits = bb(wave)
    assert logits.shape == (2, cfg.num_classes)
    assert cfg.output in ("logits", "embedding")
    assert len(cfg.label_names) == (cfg.num_classes if cfg.output == "logits" else 0)
    feats = bb.frontend(wave)
    logits2, extras = bb.forward_features(feats, return_extras=True)
    torch.testing.assert_close(logits2, logits)
    assert extras["embedding"].shape[0] == 2 and extras["embedding"].ndim == 2
    if "attention" in extras:  # weights over the frames, where the network has them
        torch.testing.assert_close(extras["attention"].sum(-1), torch.ones(2))
    assert all(not p.requires_grad for p in bb.parameters())
    # a frozen model in eval mode gives the same output twice (no dropout, running BN stats)
    torch.testing.assert_close(bb(wave), logits)


@pytest.mark.parametrize("name", list_backbones())
def test_gradients_reach_the_input_of_a_frozen_backbone(name):
    bb = create_backbone(name, weights=None, seed=0).freeze()
    wave = torch.randn(2, bb.cfg.input_samples, requires_grad=True)
    (bb(wave) * torch.randn(bb.cfg.num_classes)).sum().backward()
    assert torch.isfinite(wave.grad).all() and wave.grad.abs().sum() > 0
    assert all(p.grad is None for p in bb.parameters())


def test_attrnn_layer_sizes_match_the_reference():
    bb = create_backbone("attrnn", weights=None)
    n = sum(p.numel() for p in bb.network.parameters())
    # Keras reports 201,225 trainable weights; PyTorch LSTMs carry a second bias vector
    # (bias_hh, 4*64 per direction and layer = 1,024) that Keras does not have.
    assert n == 201_225 + 1_024
    assert bb.frontend.n_frames(16000) == 125


def test_random_init_is_seeded():
    a = state_dict_sha256(create_backbone("attrnn", weights=None, seed=3))
    b = state_dict_sha256(create_backbone("attrnn", weights=None, seed=3))
    c = state_dict_sha256(create_backbone("attrnn", weights=None, seed=4))
    assert a == b != c


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="attrnn"):
        create_backbone("resnet9000")


def test_save_and_load_round_trip_with_checksum(tmp_path):
    bb = create_backbone("tiny-test", weights=None, seed=5)
    path = tmp_path / "w.pt"
    sha = save_backbone_weights(bb, path, {"note": "test"})
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["sha256"] == sha and meta["note"] == "test"
    loaded = create_backbone("tiny-test", weights=path)
    assert state_dict_sha256(loaded) == state_dict_sha256(bb)


def test_corrupted_or_truncated_file_gives_a_clear_error(tmp_path):
    bb = create_backbone("tiny-test", weights=None)
    path = tmp_path / "w.pt"
    save_backbone_weights(bb, path, {})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="sha256"):
        create_backbone("tiny-test", weights=path)
    path.with_suffix(".json").unlink()  # no checksum to compare: torch cannot read it
    with pytest.raises(ValueError, match="truncated or corrupted"):
        create_backbone("tiny-test", weights=path)


def test_shape_mismatch_names_the_keys(tmp_path):
    bb = create_backbone("tiny-test", weights=None)
    state = bb.state_dict()
    state["network.out.weight"] = torch.zeros(10, 8)
    del state["network.out.bias"]
    path = tmp_path / "bad.pt"
    torch.save(state, path)
    with pytest.raises(ValueError, match=r"network\.out\.bias.*network\.out\.weight"):
        create_backbone("tiny-test", weights=path)


def test_missing_default_weights_name_the_file(monkeypatch):
    cfg = get_backbone_cfg("attrnn")
    monkeypatch.setitem(
        _CFGS, "attrnn", type(cfg)(**{**cfg.__dict__, "weights": {"synth": "nope.pt"}})
    )
    with pytest.raises(FileNotFoundError, match=r"nope\.pt.*tsreprog pretrain"):
        create_backbone("attrnn", weights="default")


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        create_backbone("tiny-test", weights=tmp_path / "none.pt")


class _Crafted:
    """Unpickling this runs code: it writes the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_weights_with_objects_are_refused_for_safety(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pt"
    state = create_backbone("tiny-test", weights=None).state_dict()
    torch.save({"state_dict": state, "meta": {"x": _Crafted(marker)}}, path)
    with pytest.raises(ValueError, match="non-tensor objects.*refused for safety") as info:
        create_backbone("tiny-test", weights=path)
    msg = str(info.value)
    assert "weights_only" not in msg and "\n" not in msg and "evil.pt" in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not marker.exists()


def test_unknown_format_version_and_other_architectures_are_refused(tmp_path):
    path = tmp_path / "w.pt"
    save_backbone_weights(create_backbone("tiny-test", weights=None), path, {})
    path.with_suffix(".json").unlink()  # the edited files below have no recorded checksum
    payload = torch.load(path, weights_only=True)
    torch.save({**payload, "format_version": 99}, path)
    with pytest.raises(ValueError, match="format_version 99.*reads format 1"):
        create_backbone("tiny-test", weights=path)
    torch.save({**payload, "backbone": "attrnn"}, path)
    with pytest.raises(ValueError, match="is for backbone 'attrnn', not 'tiny-test'"):
        create_backbone("tiny-test", weights=path)


def test_test_backbone_is_not_listed_for_users_but_found_by_name():
    import subprocess
    import sys

    code = (
        "from tsreprog import list_backbones, create_backbone\n"
        "print(list_backbones())\n"
        "print(create_backbone('tiny-test', weights=None).cfg.input_samples)\n"
        "print(list_backbones())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    zoo = "'crepe', 'resemblyzer', 'silero-vad'"
    assert out.stdout.split("\n")[:3] == [
        f"['attrnn', {zoo}]",
        "1600",
        f"['attrnn', {zoo}, 'tiny-test']",
    ]


def test_a_weights_tag_names_the_shipped_file_and_unknown_tags_are_refused():
    tagged = create_backbone("attrnn.synth-v2")
    plain = create_backbone("attrnn")  # the first tag is the default
    assert state_dict_sha256(tagged) == state_dict_sha256(plain)
    assert tagged.weights_meta["n_train"] == 22932
    assert get_backbone_cfg("attrnn.synth-v2") is get_backbone_cfg("attrnn")
    assert list_backbones("attrnn", pretrained=True) == ["attrnn.synth-v2", "attrnn.synth"]
    # the former default stays loadable by its tag: other weights, each checked by its sha256
    v1 = create_backbone("attrnn.synth")
    assert state_dict_sha256(v1) != state_dict_sha256(plain)
    assert v1.weights_meta["n_train"] == 6732
    with pytest.raises(ValueError, match="no weights tagged 'real'.*attrnn.synth-v2"):
        create_backbone("attrnn.real")
    with pytest.raises(ValueError, match="names shipped weights"):
        create_backbone("attrnn.synth", weights="some.pt")


def test_the_factory_passes_keyword_arguments_to_the_architecture():
    from tsreprog.backbones import AcousticModel, BackboneCfg, register_backbone
    from tsreprog.testing import TINY_CFG, TinyNet

    cfg = BackboneCfg(**{**TINY_CFG.__dict__, "name": "tiny-kwargs"})

    @register_backbone(cfg)
    def tiny_kwargs(n_mels: int = 8) -> AcousticModel:
        return AcousticModel.from_cfg(cfg, TinyNet(n_mels=n_mels))

    try:
        bb = create_backbone("tiny-kwargs", weights=None, n_mels=cfg.frontend["n_mels"])
        assert bb.cfg.name == "tiny-kwargs"
        with pytest.raises(TypeError, match="unexpected keyword"):
            create_backbone("tiny-kwargs", weights=None, depth=3)
    finally:
        import tsreprog.backbones._registry as reg

        reg._ENTRYPOINTS.pop("tiny-kwargs")
        _CFGS.pop("tiny-kwargs")
