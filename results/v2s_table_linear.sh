#!/usr/bin/env bash
# The Voice2Series table with the current defaults (mapping="linear"), in three resumable
# phases, so that an interrupted run leaves whole pieces:
#   1. seed 0 of minirocket, tsreprog and tsreprog-random on all 28 present datasets;
#   2. seeds 1-2 of minirocket and tsreprog on all but FordA/FordB (the issue allows 1 seed there);
#   3. seeds 1-2 of the tsreprog-random control on the same datasets.
# Rerun the script and finished cells are skipped. JOBS=2 uses both cores. The committed file
# was made with these phases split by datasets over two processes (see v2s_table_linear.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=SonyAIBORobotSurface1,TwoLeadECG,Coffee,GunPoint,Wine,Lightning2,Herring,ItalyPowerDemand,ECG200,Trace,Plane,Ham,Haptics,WormsTwoClass,Worms,SyntheticControl,Earthquakes,SmallKitchenAppliances,MiddlePhalanxTW,DistalPhalanxTW,ProximalPhalanxOutlineAgeGroup,ProximalPhalanxTW,ECG5000,MiddlePhalanxOutlineCorrect,ProximalPhalanxOutlineCorrect,Strawberry,HandOutlines,Wafer,FordA,FordB
NOFORD=${ALL%,FordA,FordB}
DATASETS=${DATASETS:-}
OUT=results/v2s_table_linear
run() {  # run SEEDS METHODS DATASETS
  tsreprog --threads 1 bench --data ../shared/ucr --datasets "${DATASETS:-$3}" --methods "$2" \
    --seeds "$1" --jobs "${JOBS:-1}" --out "$OUT" --plot results/v2s_table_linear.png < /dev/null
}
run 1 paper,minirocket,tsreprog,tsreprog-random "$ALL"
run 3 paper,minirocket,tsreprog "$NOFORD"
run 3 paper,minirocket,tsreprog,tsreprog-random "$NOFORD"
