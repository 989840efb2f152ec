#!/usr/bin/env bash
# The Voice2Series table with the accuracy-v3 defaults (issue 16), resumable:
#   1. 3 seeds of minirocket and tsreprog on the 26 present V2S datasets other than FordA/FordB
#      (the table compares on the 25 clean ones: these without Lightning2);
#   2. with FORD=1, seed 0 of both on FordA and FordB (a tsreprog fit there takes about an hour).
# Rerun it and finished cells are kept. JOBS=2 uses both cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOFORD=SonyAIBORobotSurface1,TwoLeadECG,Coffee,GunPoint,Wine,Lightning2,Herring,ItalyPowerDemand,ECG200,Trace,Plane,Ham,Haptics,WormsTwoClass,Worms,SyntheticControl,Earthquakes,SmallKitchenAppliances,MiddlePhalanxTW,DistalPhalanxTW,ProximalPhalanxOutlineAgeGroup,ProximalPhalanxTW,ECG5000,MiddlePhalanxOutlineCorrect,ProximalPhalanxOutlineCorrect,Strawberry
run() {  # run SEEDS DATASETS
  tsreprog --threads 1 bench --data ../shared/ucr --datasets "$2" --methods minirocket,minirocket-ridge,tsreprog \
    --seeds "$1" --jobs "${JOBS:-1}" --out results/v2s_table_v3/runs < /dev/null
}
run 3 "$NOFORD"
if [ "${FORD:-0}" = 1 ]; then run 1 FordA,FordB; fi
