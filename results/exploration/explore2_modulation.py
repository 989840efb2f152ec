"""Exploration 2 (AM/FM carrier placements) on 6 dev datasets, shipped backbone, 1 seed.

Usage: python results/exploration/explore2_modulation.py BME,UMD,...  (JSON lines on stdout)
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
    "fm200_d1": dict(placement="fm"),
    "am200_d2": dict(placement="am", mod_depth=2.0),
    "fm200_d1_freqmap": dict(placement="fm", map_assignment="frequency"),
    "fm200_d1_lr01": dict(placement="fm", lr=0.01),
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
