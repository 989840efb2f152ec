"""GunPoint in other units: default scaling vs raw values (``scaling=None``), seed 0.

python results/scaling/units.py
"""

from sktime.datasets import load_gunpoint

from tsreprog import ReprogramClassifier

Xtr, ytr = load_gunpoint(split="train", return_type="numpy2D")
Xte, yte = load_gunpoint(split="test", return_type="numpy2D")
for scaling in ("dataset", None):
    for factor in (1.0, 1e-3, 1e3):
        clf = ReprogramClassifier(scaling=scaling, random_state=0).fit(Xtr * factor, ytr)
        acc = clf.score(Xte * factor, yte)
        print(f"scaling={scaling!s:8} data x{factor:g}: test accuracy {acc:.4f}", flush=True)
