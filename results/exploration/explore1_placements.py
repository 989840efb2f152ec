"""Exploration 1 (placements, learning rate, mask, mapping) on 6 dev datasets, 1 seed.

Ran with an intermediate checkpoint of the backbone (epoch 10 or 11 of 22 of pretraining, written
to work_data/tmp_backbone.pt); rerun with weights="default" for the shipped backbone.
Usage: python results/exploration/explore1_placements.py BME,UMD,...  (JSON lines on stdout)
"""

import json
import sys
import time
import warnings

import torch

from tsreprog import ReprogramClassifier
from tsreprog.backbones import create_backbone, save_backbone_weights
from tsreprog.data.ucr import load_dataset

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

ck = torch.load("work_data/attrnn_synth.pt.ckpt", weights_only=False)
bb = create_backbone("attrnn", weights=None)
bb.load_state_dict(ck["model"])
save_backbone_weights(bb, "work_data/tmp_backbone.pt", {"note": "intermediate checkpoint"})
# the estimator defaults when these runs were made (they changed afterwards), pinned here
BASE = dict(
    epochs=60,
    patience=15,
    validation_fraction=0.2,
    map_assignment="random",
    placement="repeat",
    n_repeats="fill",
)
settings = {
    "pad_lr05": dict(placement="pad", n_repeats=1),
    "fill_lr05": dict(),
    "fill_lr01": dict(lr=0.01),
    "rs160_fill": dict(resample_length=160),
    "fill_mask": dict(mask=True),
    "fill_freqmap": dict(map_assignment="frequency"),
}
for ds in sys.argv[1].split(","):
    Xtr, ytr, Xte, yte = load_dataset(ds, "/work/shared/ucr")
    for name, kw in settings.items():
        t = time.time()
        clf = ReprogramClassifier(
            weights="work_data/tmp_backbone.pt", random_state=0, **{**BASE, **kw}
        ).fit(Xtr, ytr)
        print(
            json.dumps(
                dict(
                    ds=ds,
                    setting=name,
                    acc=round(clf.score(Xte, yte), 4),
                    fit_s=round(time.time() - t, 1),
                    epochs=clf.n_iter_,
                    best=clf.best_epoch_,
                )
            ),
            flush=True,
        )
