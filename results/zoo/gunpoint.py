"""GunPoint with each zoo backbone, 3 epochs, seed 0: the default (linear) mapping and, where
the backbone has source classes, the many-to-one mapping. The numbers behind the model cards'
remarks and tests/test_zoo.py's GunPoint thresholds.

Usage: python results/zoo/gunpoint.py > results/zoo/gunpoint.txt
"""

import time

import numpy as np
import torch
from sktime.datasets import load_gunpoint

from tsreprog import ReprogramClassifier
from tsreprog.backbones import get_backbone_cfg

torch.set_num_threads(1)
Xtr, ytr = load_gunpoint(split="train", return_X_y=True, return_type="numpy2d")
Xte, yte = load_gunpoint(split="test", return_X_y=True, return_type="numpy2d")
print("| backbone | mapping | training loss per epoch | test accuracy | fit s |")
print("|---|---|---|---|---|")
for name in ("attrnn", "crepe", "resemblyzer", "silero-vad"):
    mappings = ["linear"]
    if get_backbone_cfg(name).output == "logits":
        mappings.append("many_to_one")
    for mapping in mappings:
        t0 = time.perf_counter()
        clf = ReprogramClassifier(backbone=name, mapping=mapping, epochs=3, random_state=0)
        clf.fit(Xtr, ytr)
        fit = time.perf_counter() - t0
        loss = ", ".join(f"{v:.3f}" for v in clf.history_["train_loss"])
        acc = np.mean(clf.predict(Xte) == yte)
        print(f"| {name} | {mapping} | {loss} | {acc:.3f} | {fit:.1f} |", flush=True)
print(f"\nmajority class of the test split: {max(np.mean(yte == c) for c in set(yte)):.3f}")
