"""Summarise the exploration runs of ``../explore.py`` (one JSON line per fit).

    python results/accuracy_v3/explore/summarize.py results/accuracy_v3/explore/e3_heads.jsonl

Per variant: the mean test accuracy over the datasets that every variant of the file has (each
dataset the mean over its seeds), W/L per dataset against the file's first variant, the mean
fit seconds and the number of fits.
"""

import collections
import json
import sys

import numpy as np

rows = [json.loads(line) for f in sys.argv[1:] for line in open(f)]
acc = collections.defaultdict(dict)
fit = collections.defaultdict(list)
for r in rows:
    acc[r["variant"]].setdefault(r["dataset"], []).append(r["acc"])
    fit[r["variant"]].append(r["fit_s"])
datasets = sorted({r["dataset"] for r in rows})
common = [d for d in datasets if all(d in acc[v] for v in acc)]
print(f"{len(common)} datasets")
base = next(iter(acc))
for v in acc:
    mine = [np.mean(acc[v][d]) for d in common]
    ref = [np.mean(acc[base][d]) for d in common]
    w = sum(a > b + 1e-9 for a, b in zip(mine, ref))
    lose = sum(a < b - 1e-9 for a, b in zip(mine, ref))
    n = sum(len(acc[v][d]) for d in common)
    print(
        f"{v:36s} {100 * np.mean(mine):6.2f}  W/L vs first {w}/{lose}  "
        f"fit {np.mean(fit[v]):5.1f}s  fits={n}"
    )
