"""The three quick explorations behind ReprogramClassifier's defaults (dev datasets, 1 seed).

Usage::

    python results/exploration/explore.py 1 BME,UMD,Chinatown,SonyAIBORobotSurface2,\\
        ToeSegmentation1,ArrowHead > results/exploration/explore1.jsonl

Study 1 ran with an intermediate checkpoint of the backbone (epoch 10 or 11 of 22 of
pretraining; pass ``--weights PATH`` to reuse such a file), studies 2 and 3 with the shipped
weights. Every run uses one torch thread. ``summarize.py`` prints the tables.
"""

import argparse
import json
import time
import warnings

import torch

from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset
from tsreprog.mappings import ManyToOne
from tsreprog.placements import AM, Repeat

# the estimator defaults when these runs were made (they changed afterwards), pinned here
BASE = dict(
    epochs=60,
    patience=15,
    validation_fraction=0.2,
    mapping=ManyToOne(assignment="random"),
    placement="repeat",  # n_repeats="fill", the Repeat placement's default
)
STUDIES = {
    "1": {  # placements, learning rate, mask, mapping
        "pad_lr05": dict(placement="pad"),
        "fill_lr05": dict(),
        "fill_lr01": dict(lr=0.01),
        "rs160_fill": dict(placement=Repeat(length=160)),
        "fill_mask": dict(mask=True),
        "fill_freqmap": dict(mapping=ManyToOne(assignment="frequency")),
    },
    "2": {  # AM / FM carriers
        "fm200_d1": dict(placement="fm"),
        "am200_d2": dict(placement=AM(depth=2.0)),
        "fm200_d1_freqmap": dict(placement="fm", mapping=ManyToOne(assignment="frequency")),
        "fm200_d1_lr01": dict(placement="fm", lr=0.01),
    },
    "3": {  # model selection, mapping, schedule
        "fill_noval": dict(validation_fraction=None, patience=None),
        "fill_noval_freq": dict(
            validation_fraction=None, patience=None, mapping=ManyToOne(assignment="frequency")
        ),
        "fill_linear": dict(mapping="linear"),
        "fill_cosine100": dict(
            lr_schedule="cosine", epochs=100, validation_fraction=None, patience=None
        ),
    },
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("study", choices=sorted(STUDIES))
    p.add_argument("datasets")
    p.add_argument("--data", default="../shared/ucr")
    p.add_argument("--weights", default="default")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    for ds in args.datasets.split(","):
        Xtr, ytr, Xte, yte = load_dataset(ds, args.data)
        for name, kw in STUDIES[args.study].items():
            t = time.time()
            params = {**BASE, **kw}
            clf = ReprogramClassifier(weights=args.weights, random_state=0, **params)
            clf.fit(Xtr, ytr)
            row = dict(
                ds=ds,
                setting=name,
                acc=round(clf.score(Xte, yte), 4),
                fit_s=round(time.time() - t, 1),
                epochs=clf.n_iter_,
                best=clf.best_epoch_,
            )
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
