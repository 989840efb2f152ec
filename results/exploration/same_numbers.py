"""Fit GunPoint under several configurations and print accuracy, final loss and a probability
checksum, so that two commits can be compared digit for digit after a refactor.

Usage: ``python results/exploration/same_numbers.py`` in each checkout (with that checkout
first on ``PYTHONPATH``), then compare the printed lines.
"""

import torch

from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset
from tsreprog.mappings import ManyToOne

torch.set_num_threads(2)
Xtr, ytr, Xte, yte = load_dataset("GunPoint")
configs = {
    "linear": {},
    "freq": {"mapping": ManyToOne(assignment="frequency")},
    "random": {"mapping": ManyToOne(assignment="random")},
    "sim": {"mapping": ManyToOne(assignment="similarity")},
    "am": {"placement": "am"},
    "l2drop": {"l2": 0.05, "dropout": 0.4},
}
for name, kw in configs.items():
    clf = ReprogramClassifier(random_state=0, epochs=15, **kw).fit(Xtr, ytr)
    p = clf.predict_proba(Xte)
    print(
        f"{name}: acc {clf.score(Xte, yte):.4f} loss {clf.history_['train_loss'][-1]:.6f} "
        f"psum {p[:, 0].sum():.6f}",
        flush=True,
    )
paper = ReprogramClassifier.v2s_paper(random_state=0, epochs=10).fit(Xtr, ytr)
print(f"v2s: acc {paper.score(Xte, yte):.4f} loss {paper.history_['train_loss'][-1]:.6f}")
