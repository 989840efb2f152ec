"""Write results/v2s_table_linear.md and .png from the results folder results/v2s_table_linear/
(converted from the run's CSV by results/convert_results.py).

    python results/v2s_table_linear_report.py

The hand-written part (command, timing, findings) is results/v2s_table_linear_head.md; this
script appends the seed counts, the per-seed suite means and ``tsreprog.bench.summarize``.
"""

from pathlib import Path

from tsreprog._io import atomic_write_text
from tsreprog.bench import (
    artefact_datasets,
    load_paper_results,
    plot_comparison,
    read_results,
    summarize,
)

here = Path(__file__).parent
df = read_results(here / "v2s_table_linear")
# the report names the methods as the run did
df["method"] = df["method"].replace({"tsreprog": "v2s", "tsreprog-random": "v2s-random"})
# rows in the order of the paper's Table 2 (the CSV holds them in the order they finished)
order = {name: i for i, name in enumerate(load_paper_results()["dataset"])}
methods = {m: i for i, m in enumerate(("minirocket", "v2s", "v2s-random", "paper"))}
df = df.sort_values("method", key=lambda c: c.map(methods), kind="stable")
df = df.sort_values("dataset", key=lambda c: c.map(order), kind="stable")
ok = df[(df["status"] == "ok") & (df["seed"] >= 0)]

# how many seeds each (dataset, method) has
counts = ok.groupby(["dataset", "method"])["seed"].nunique().unstack("method")
lines = ["## Seeds per cell", ""]
for method in counts.columns:
    c = counts[method].dropna().astype(int).value_counts().sort_index(ascending=False)
    lines.append(
        f"- `{method}`: " + ", ".join(f"{n} seed(s) on {k} dataset(s)" for n, k in c.items())
    )
lines.append("")

# suite mean per seed, on the 25 comparable datasets where the method has every seed
arte = artefact_datasets()
lines += [
    "## Mean accuracy per seed",
    "",
    "Over the datasets without label artefacts that have all three seeds of the method "
    "(FordA, FordB and Lightning2 excluded; Wafer and HandOutlines are not present):",
    "",
    "| method | datasets | seed 0 | seed 1 | seed 2 | mean ± std over seeds |",
    "|---|---|---|---|---|---|",
]
for method in ("v2s", "minirocket", "v2s-random"):
    sub = ok[(ok["method"] == method) & ~ok["dataset"].isin(arte)]
    full = counts.index[counts[method] == 3] if method in counts else []
    sub = sub[sub["dataset"].isin(full)]
    if sub.empty:
        lines.append(f"| {method} | 0 | – | – | – | – |")
        continue
    per_seed = sub.groupby("seed")["accuracy"].mean() * 100
    cells = [f"{per_seed.get(s, float('nan')):.2f}" for s in (0, 1, 2)]
    lines.append(
        f"| {method} | {sub['dataset'].nunique()} | "
        + " | ".join(cells)
        + f" | {per_seed.mean():.2f} ± {per_seed.std(ddof=1):.2f} |"
    )
lines.append("")

# compute time, from the CSV (fit + predict seconds of one torch thread per cell)
secs = ok["fit_seconds"] + ok["predict_seconds"]
lines += [
    "## Compute time",
    "",
    f"{len(ok)} finished cells, {secs.sum() / 3600:.2f} h of single-thread fit + predict time "
    f"(finished between {ok['finished_at'].min()} and {ok['finished_at'].max()}):",
    "",
    "| method | cells | hours | longest cell |",
    "|---|---|---|---|",
]
for method, g in ok.assign(secs=secs).groupby("method", sort=False):
    if method == "paper":
        continue
    top = g.loc[g["secs"].idxmax()]
    lines.append(
        f"| {method} | {len(g)} | {g['secs'].sum() / 3600:.2f} | "
        f"{top['dataset']} seed {top['seed']}: {top['secs'] / 60:.1f} min |"
    )
lines.append("")

head = (here / "v2s_table_linear_head.md").read_text()
text = head.rstrip() + "\n\n" + "\n".join(lines) + "\n" + summarize(df)
atomic_write_text(here / "v2s_table_linear.md", text)
plot_comparison(df, here / "v2s_table_linear.png")
print(text)
