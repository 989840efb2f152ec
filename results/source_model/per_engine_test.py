"""Source accuracy of the shipped AttRNN backbones on a corpus's held-out clips, per engine.

Reads the clips listed in ``testing_list.txt`` of a corpus made by ``tsreprog synth-commands``
(every clip's engine and voice is in its ``clips.jsonl``; a ``_holdout_`` folder, made with
``--holdout-engine``, is read too, as engine ``holdout:<engine>``) and prints the accuracy of
each backbone, overall and per engine.

    python results/source_model/per_engine_test.py CORPUS [BACKBONE ...]   # tags or .pt files
    python results/source_model/per_engine_test.py /work/corpus_runs/synth_v2 \
        attrnn.synth attrnn.synth-v2
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from tsreprog import create_backbone
from tsreprog.labels import SPEECH_COMMANDS_CLASSES


def clips(corpus: Path) -> list[tuple[str, str, str]]:
    """``(path, word, engine)`` of the test clips and of the held-out engine's clips."""
    meta = {}
    for line in (corpus / "clips.jsonl").read_text().splitlines():
        rec = json.loads(line)
        meta[rec["path"]] = rec
    out = []
    for rel in (corpus / "testing_list.txt").read_text().split():
        rec = meta.get(rel, {})
        out.append((str(corpus / rel), rel.split("/")[0], rec.get("engine", "noise")))
    holdout = corpus / "_holdout_"
    if (holdout / "testing_list.txt").is_file():
        engine = json.loads((corpus / "manifest.json").read_text()).get("holdout_engine", "?")
        for rel in (holdout / "testing_list.txt").read_text().split():
            out.append((str(holdout / rel), rel.split("/")[0], f"holdout:{engine}"))
    return out


def main(corpus: str, backbones: list[str]) -> None:
    torch.set_num_threads(1)
    items = clips(Path(corpus))
    waves = np.stack([sf.read(p, dtype="float32")[0][:16000] for p, _, _ in items])
    y = np.array([SPEECH_COMMANDS_CLASSES.index(w) for _, w, _ in items])
    engines = np.array([e for _, _, e in items])
    counts = {str(e): int(n) for e, n in zip(*np.unique(engines, return_counts=True))}
    print(f"{corpus}: {len(items)} clips; engines {counts}")
    for name in backbones:
        # a weights file of one's own (``tsreprog pretrain --out``) or a shipped tag
        is_file = name.endswith(".pt")
        model = create_backbone("attrnn", weights=name) if is_file else create_backbone(name)
        model = model.freeze()
        with torch.inference_mode():
            pred = torch.cat(
                [
                    model(torch.from_numpy(waves[i : i + 256])).argmax(1)
                    for i in range(0, len(y), 256)
                ]
            ).numpy()
        per = defaultdict(list)
        for e, ok in zip(engines, pred == y):
            per[e].append(ok)
        parts = ", ".join(f"{e} {np.mean(v):.4f} ({len(v)})" for e, v in sorted(per.items()))
        print(f"{name}: all {np.mean(pred == y):.4f}; {parts}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or ["attrnn.synth", "attrnn.synth-v2"])
