"""Choose θ's learning rate for waveform reprogramming from the training clips alone.

    python results/speech_lr/probe.py LANG LR [MAPPING [BACKBONE [SEED]]] >> probe.jsonl

MAPPING is a many-to-one assignment (default ``similarity``) or ``linear`` (a head on the
backbone's pooled features); BACKBONE defaults to the default backbone (``attrnn``; its tag is
recorded: rows without a ``backbone`` field were made with ``attrnn.synth``, the default then);
SEED (default 0) draws the validation split and θ's start.
Fits ``reprogram`` (frozen backbone, ``placement="pad"``) on 75 % of a language's training
clips for 40 epochs and prints one JSON line with the best and last accuracy on the other 25 %
(a stratified validation split of the training clips; the test clips are not loaded), the
lowest training loss, the RMS of the learned θ and the fit time. Data: the sets made by
``tsreprog speech --data work_data/lowres --synthesize`` (override with TSREPROG_LOWRES).
"""

import json
import os
import sys
import time
from pathlib import Path

import torch

from tsreprog import ReprogramClassifier
from tsreprog._params import params_json
from tsreprog.data.speech import load_speech_commands
from tsreprog.mappings import ManyToOne

torch.set_num_threads(1)
lang, lr = sys.argv[1], float(sys.argv[2])
mapping = sys.argv[3] if len(sys.argv) > 3 else "similarity"
backbone = sys.argv[4] if len(sys.argv) > 4 else "attrnn"
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
root = Path(os.environ.get("TSREPROG_LOWRES", "work_data/lowres"))
Xtr, ytr = load_speech_commands(
    root / lang, split="train", sample_rate=16000, duration=1.0, crop="energy"
)
t = time.time()
est = ReprogramClassifier(
    backbone=backbone,
    placement="pad",
    mapping="linear" if mapping == "linear" else ManyToOne(assignment=mapping),
    lr=lr,
    epochs=40,
    validation_fraction=0.25,
    patience=None,
    random_state=seed,
).fit(Xtr, ytr)
h = est.history_
print(
    json.dumps(
        {
            "lang": lang,
            "lr": lr,
            "mapping": mapping,
            "backbone": json.loads(params_json(est))["backbone"],
            "seed": seed,
            "best_val_acc": max(h["val_accuracy"]),
            "last_val_acc": h["val_accuracy"][-1],
            "min_train_loss": min(h["train_loss"]),
            "theta_rms": float((est.theta_**2).mean() ** 0.5),
            "fit_s": time.time() - t,
        }
    )
)
