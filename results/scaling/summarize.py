"""Per-dataset mean test accuracy (2 seeds) of each ``scaling``, and W/T/L between them.

python results/scaling/summarize.py
"""

import os

import pandas as pd

d = pd.read_csv(os.path.join(os.path.dirname(__file__), "scaling.csv"), keep_default_na=False)
t = d.pivot_table(index="dataset", columns="scaling", values="accuracy", aggfunc="mean")
t = t.rename(columns={"": "None"})[["dataset", "series", "None"]]
print("| dataset | " + " | ".join(t.columns) + " |")
print("|---" * (len(t.columns) + 1) + "|")
for name, row in t.iterrows():
    print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in row) + " |")
print("| **mean** | " + " | ".join(f"**{v:.4f}**" for v in t.mean()) + " |")
for a, b in [("dataset", "None"), ("series", "None"), ("dataset", "series")]:
    diff = t[a] - t[b]
    w, ties, lo = (diff > 1e-9).sum(), (diff.abs() <= 1e-9).sum(), (diff < -1e-9).sum()
    print(f"{a} vs {b}: W/T/L {w}/{ties}/{lo}")
