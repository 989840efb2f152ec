"""The shipped weights: checksum, model card, and that they reach a non-editable install."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tsreprog.backbones import create_backbone, list_backbones
from tsreprog.backbones._weights import file_sha256

ROOT = Path(__file__).resolve().parents[1]
PRETRAINED = ROOT / "pretrained"


# (tag, file stem, model card): the first is the default
SHIPPED = [
    ("synth-v2", "attrnn_synth_v2", "MODEL_CARD_synth_v2.md"),
    ("synth", "attrnn_synth", "MODEL_CARD.md"),
]


@pytest.mark.parametrize(("tag", "stem", "card"), SHIPPED)
def test_shipped_weights_load_and_match_their_checksum(tag, stem, card):
    meta = json.loads((PRETRAINED / f"{stem}.json").read_text())
    assert file_sha256(PRETRAINED / f"{stem}.pt") == meta["sha256"]
    model = create_backbone(f"attrnn.{tag}")
    assert model.weights_meta["sha256"] == meta["sha256"]
    assert model.weights_meta["test_accuracy"] == meta["test_accuracy"] >= 0.70
    assert f"attrnn.{tag}" in list_backbones(pretrained=True)
    emb, kind = model.source_class_embeddings()
    assert kind == "class_means" and emb.shape == (36, 32)


def test_the_default_weights_are_the_first_shipped_tag():
    meta = json.loads((PRETRAINED / f"{SHIPPED[0][1]}.json").read_text())
    assert create_backbone("attrnn").weights_meta["sha256"] == meta["sha256"]  # weights="default"


@pytest.mark.parametrize(("tag", "stem", "card"), SHIPPED)
def test_model_card_agrees_with_the_metadata(tag, stem, card):
    meta = json.loads((PRETRAINED / f"{stem}.json").read_text())
    text = (PRETRAINED / card).read_text()
    assert meta["sha256"] in text
    assert f"{meta['test_accuracy']:.4f}" in text
    assert f"{meta['validation_accuracy']:.4f}" in text
    assert f"{meta['n_test']:,}" in text and f"{meta['n_train']:,}" in text
    assert f"epoch {meta['best_epoch']}" in text


def test_default_weights_reach_a_non_editable_install(tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import tsreprog; from tsreprog import create_backbone; "
        "m = create_backbone('attrnn'); print(tsreprog.__file__); "
        "print(m.weights_meta['sha256'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out[0].startswith(str(site))  # the installed copy, not the checkout
    assert len(out[1]) == 64


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_shipped_file_gives_a_clear_error(tmp_path, monkeypatch, damage):
    import tsreprog.backbones._weights as reg

    data = (PRETRAINED / "attrnn_synth.pt").read_bytes()
    bad = tmp_path / "attrnn_synth.pt"
    bad.write_bytes(data[: len(data) // 3] if damage == "truncate" else data[:-10] + b"x" * 10)
    (tmp_path / "attrnn_synth.json").write_text((PRETRAINED / "attrnn_synth.json").read_text())
    monkeypatch.setattr(reg, "package_file", lambda file: tmp_path / file)
    with pytest.raises(ValueError, match="corrupted, truncated or was replaced"):
        create_backbone("attrnn.synth")


def test_the_package_list_in_pyproject_covers_every_subpackage():
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tsreprog").rglob("__init__.py")
    }
    assert on_disk | {"tsreprog.pretrained"} == listed
