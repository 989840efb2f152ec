"""Print the exploration tables: python results/exploration/summarize.py"""

import collections
import json
from pathlib import Path

here = Path(__file__).parent
datasets = ["BME", "UMD", "Chinatown", "SonyAIBORobotSurface2", "ToeSegmentation1", "ArrowHead"]
for log in sorted(here.glob("explore*.jsonl")):
    table = collections.defaultdict(dict)
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            table[r["setting"]][r["ds"]] = r["acc"]
    print(f"\n{log.name}\n")
    print("| setting | " + " | ".join(d[:10] for d in datasets) + " | mean |")
    print("|---" * (len(datasets) + 2) + "|")
    for setting, accs in table.items():
        vals = [accs.get(d) for d in datasets]
        mean = sum(v for v in vals if v is not None) / max(1, sum(v is not None for v in vals))
        cells = " | ".join("" if v is None else f"{v:.3f}" for v in vals)
        print(f"| {setting} | {cells} | {mean:.3f} |")
