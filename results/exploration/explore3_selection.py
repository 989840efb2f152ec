"""Exploration 3 (model selection, mapping, schedule) on 6 dev datasets, shipped backbone.

Usage: python results/exploration/explore3_selection.py BME,UMD,...  (JSON lines on stdout)
"""

import json
import sys
import time
import warnings

import torch

from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


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
    "fill_noval": dict(validation_fraction=None, patience=None),
    "fill_noval_freq": dict(validation_fraction=None, patience=None, map_assignment="frequency"),
    "fill_linear": dict(mapping="linear"),
    "fill_cosine100": dict(
        lr_schedule="cosine", epochs=100, validation_fraction=None, patience=None
    ),
}
for ds in sys.argv[1].split(","):
    Xtr, ytr, Xte, yte = load_dataset(ds, "/work/shared/ucr")
    for name, kw in settings.items():
        t = time.time()
        clf = ReprogramClassifier(weights="default", random_state=0, **{**BASE, **kw}).fit(Xtr, ytr)
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
