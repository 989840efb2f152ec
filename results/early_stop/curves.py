"""Per-epoch curves of today's default fit (seed 0, all 60 epochs, no early stopping).

For each devsmall dataset: the epoch's mean training loss (what the stopping rule watches),
and, for the weights after each epoch, training and test accuracy. Used only to see which
training-side signal still moves once the loss is near zero; the rule is then measured with
the bench harness (``README.md``). Because stopping does not change the trajectory (constant
learning rate), a rule's stopping epoch can be read off these curves for seed 0.

    python results/early_stop/curves.py   # -> results/early_stop/curves_seed0.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import tsreprog.base as base
from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset, read_suite
from tsreprog.training import _trainable_state, train_loop

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "ucr"


def main() -> None:
    torch.set_num_threads(1)
    names = read_suite(DATA, str(HERE.parents[1] / "suites" / "devsmall.txt"))
    out = {}
    for name in names:
        states = []

        def loop(*args, states=states, **kwargs):
            kwargs["on_epoch_end"] = lambda e, best, res: states.append(_trainable_state(args[0]))
            return train_loop(*args, **kwargs)

        base.train_loop = loop
        X_tr, y_tr, X_te, y_te = load_dataset(name, data=DATA)
        clf = ReprogramClassifier(random_state=0, patience=None).fit(X_tr, y_tr)
        model = clf.model_
        tr_acc, te_acc = [], []
        for st in states:
            model.load_state_dict(st, strict=False)
            tr_acc.append(float(np.mean(clf.predict(X_tr) == y_tr)))
            te_acc.append(float(np.mean(clf.predict(X_te) == y_te)))
        out[name] = {
            "train_loss": clf.history_["train_loss"],
            "train_acc": tr_acc,
            "test_acc": te_acc,
            "fit_seconds": clf.fit_time_,
        }
        print(
            f"{name:24s} loss@20 {clf.history_['train_loss'][19]:.4f} "
            f"loss@60 {clf.history_['train_loss'][-1]:.5f} train_acc@60 {tr_acc[-1]:.3f} "
            f"test_acc@60 {te_acc[-1]:.3f}",
            flush=True,
        )
    (HERE / "curves_seed0.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
