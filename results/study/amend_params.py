"""One-off record fix of the study CSVs (2026-11-27); kept so the change can be checked.

    python results/study/amend_params.py

The ``params`` column of a bench row holds the ``--set`` arguments only, not the estimator's
defaults. While the study ran, the default ``mapping`` changed from ``"many_to_one"`` to
``"linear"`` (tsreprog/estimators.py edited at 16:36:31 UTC; the package is an editable
install), so settings started before that ran with the many-to-one mapping and settings started
after it with the linear one, without saying so. This script writes the mapping each row
actually used into its ``params`` (so that ``settings.txt``, which now states the mapping on
every line, resumes these files instead of refusing them) and renames the files of settings
that ran with the linear mapping to ``linear-*``. ``ep30`` is dropped: it ran with the linear
mapping and is the same computation as ``linear-ep30`` (identical accuracies in every cell).
Start times: ``grep '^==' work_data/study_*.log`` in the session that ran the study.
"""

import json
from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text

HERE = Path(__file__).parent
MANY_TO_ONE = ["base", "pad", "ordered", "random", "nmap1", "rep4", "mask", "am"]  # < 16:36:31
LINEAR = ["cosine", "lr01", "reg", "rs128", "bs16"]  # started after 16:36:31


def amend(name: str, mapping: str, new_name: str | None = None) -> None:
    path = HERE / f"{name}.csv"
    if not path.is_file():
        return
    df = pd.read_csv(path, dtype={"params": str})
    runs = df["method"].isin(["v2s", "v2s-random"])
    for i in df.index[runs]:
        params = json.loads(df.at[i, "params"]) if isinstance(df.at[i, "params"], str) else {}
        if params.get("mapping", mapping) != mapping:
            raise SystemExit(f"{name}: row {i} says mapping={params['mapping']}, not {mapping}")
        params["mapping"] = mapping
        df.at[i, "params"] = json.dumps(params, sort_keys=True)
    out = HERE / f"{new_name or name}.csv"
    atomic_write_text(out, df.to_csv(index=False))
    if out != path:
        path.unlink()
    print(f"{path.name} -> {out.name}: {int(runs.sum())} rows, mapping={mapping}")


if __name__ == "__main__":
    for n in MANY_TO_ONE:
        amend(n, "many_to_one")
    for n in LINEAR:
        amend(n, "linear", f"linear-{n}")
    if (HERE / "ep30.csv").is_file() and (HERE / "linear-ep30.csv").is_file():
        (HERE / "ep30.csv").unlink()
        print("ep30.csv removed (same cells as linear-ep30.csv)")
