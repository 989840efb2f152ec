#!/usr/bin/env bash
# The Voice2Series table with the backbone attrnn.synth-v2 (issue 17, deliverable 5): the
# accuracy-v3 estimator defaults, 3 seeds, on the 26 present V2S datasets other than FordA/FordB
# (the table compares on the 25 clean ones: these without Lightning2). MiniRocket is not rerun:
# report.py reads it from results/v2s_table_v3/runs (same seeds, same splits, same machine type).
# The backbone is named rather than left to the default, so the command means the same after
# the default changes. Resumable: finished cells are kept. JOBS=2 uses both cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOFORD=SonyAIBORobotSurface1,TwoLeadECG,Coffee,GunPoint,Wine,Lightning2,Herring,ItalyPowerDemand,ECG200,Trace,Plane,Ham,Haptics,WormsTwoClass,Worms,SyntheticControl,Earthquakes,SmallKitchenAppliances,MiddlePhalanxTW,DistalPhalanxTW,ProximalPhalanxOutlineAgeGroup,ProximalPhalanxTW,ECG5000,MiddlePhalanxOutlineCorrect,ProximalPhalanxOutlineCorrect,Strawberry
tsreprog --threads 1 bench --data ../shared/ucr --datasets "$NOFORD" --methods tsreprog \
  --seeds 3 --jobs "${JOBS:-1}" --out results/v2s_table_v4/runs --set backbone=attrnn.synth-v2 < /dev/null
