"""Ports of the backbone zoo against their packages' own outputs: the largest absolute
difference per backbone and test signal (a 220-Hz tone, a 100-900 Hz chirp, "seven" spoken by
espeak-ng). The same comparisons, with a tolerance of 1e-5, are tests/test_zoo.py.

Usage: python results/zoo/port_check.py > results/zoo/port_check.txt
"""

import sys
from importlib import metadata, resources

import numpy as np
import torch

sys.path.insert(0, "tests")
from test_zoo import _import_resemblyzer, _signals  # noqa: E402

from tsreprog.backbones import create_backbone  # noqa: E402

torch.set_num_threads(1)


def crepe(signals):
    import torchcrepe

    bb = create_backbone("crepe").freeze()
    torchcrepe.load.model("cpu", "tiny")
    for name, wave in signals.items():
        audio = torch.from_numpy(wave)[None]
        with torch.no_grad():
            ref = torchcrepe.infer(
                next(torchcrepe.preprocess(audio, 16000, hop_length=512)), "tiny"
            )
            _, ex = bb.forward_features(bb.frontend(audio), return_extras=True)
        yield (
            name,
            "sigmoid activations (32 frames x 360)",
            (torch.sigmoid(ex["frame_logits"][0]) - ref).abs().max().item(),
        )


def resemblyzer(signals):
    rz = _import_resemblyzer()
    bb = create_backbone("resemblyzer").freeze()
    enc = rz.VoiceEncoder(device="cpu", verbose=False)
    for name, wave in signals.items():
        with torch.no_grad():
            mine = bb(torch.from_numpy(wave)[None])[0].numpy()
        yield (
            name,
            "unit-norm embedding (256)",
            float(np.abs(mine - enc.embed_utterance(wave)).max()),
        )


def silero(signals):
    from silero_vad.utils_vad import OnnxWrapper

    bb = create_backbone("silero-vad").freeze()
    ref_model = OnnxWrapper(str(resources.files("silero_vad.data") / "silero_vad.onnx"), True)
    for name, wave in signals.items():
        x = torch.from_numpy(wave)[None]
        ref = ref_model.audio_forward(x, 16000)[0]
        with torch.no_grad():
            _, ex = bb.forward_features(bb.frontend(x), return_extras=True)
        yield (
            name,
            "speech probability (32 chunks)",
            (torch.sigmoid(ex["speech_logits"][0]) - ref).abs().max().item(),
        )


print("| backbone | package | signal | compared | max abs difference |")
print("|---|---|---|---|---|")
for fn, dist, n in (
    (crepe, "torchcrepe", 16000),
    (resemblyzer, "resemblyzer", 25440),
    (silero, "silero-vad", 16000),
):
    for name, what, diff in fn(_signals(n)):
        print(f"| {fn.__name__} | {dist} {metadata.version(dist)} | {name} | {what} | {diff:.2e} |")
versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("torch", "librosa", "onnxruntime"))
print(f"\n{versions}")
