#!/usr/bin/env bash
# Reprogramming accuracy against what the backbone was trained on (issue 17, item 3, partial):
# today's default estimator (two views, pooled heads) on the development suites, 3 seeds, with
#   random     the AttRNN randomly initialised (bench method tsreprog-random: nothing heard)
#   synth3k    attrnn.synth's recipe (espeak-ng only, no augmentation, 22 epochs) on 84 clips
#              per word instead of 250 (2,268 training clips; weights outside the repository):
#                tsreprog synth-commands /work/corpus_runs/synth_en_3k --lang en --per-word 84 \
#                  --seed 0 --jobs 2 --engines espeak-ng --no-augment
#                tsreprog pretrain --data /work/corpus_runs/synth_en_3k \
#                  --out /work/corpus_runs/synth_3k.pt --epochs 22 --seed 0
#   synthaug   attrnn.synth's recipe (espeak-ng only, 250 clips per word, 22 epochs) with the
#              v2 recipe's augmentation: the corpus's VTLP, tempo, reverberation and noise, and
#              SpecAugment in pretraining (augmentation on/off at equal size; weights outside
#              the repository):
#                tsreprog synth-commands /work/corpus_runs/synth_en_aug --lang en --per-word 250 \
#                  --seed 0 --jobs 2 --engines espeak-ng --augment
#                tsreprog --threads 2 pretrain --data /work/corpus_runs/synth_en_aug \
#                  --out /work/corpus_runs/synth_aug.pt --epochs 22 --seed 0 --spec-augment
#   holdout9k  the held-out-engine model of README's last section (espeak-ng + festival,
#              4,772 training clips, augmentation + SpecAugment; weights outside the repository,
#              made by the commands printed there)
# The other two points are committed already: attrnn.synth (espeak-ng only, 6,732 clips, no
# augmentation; results/accuracy_v3) and attrnn.synth-v2 (three engines, 22,932 clips;
# reprogram/SUITE_synth_v2). Resumable: finished cells are kept. JOBS=2 uses both cores.
#   bash results/source_model/scaling.sh          # then: python results/source_model/scaling.py
set -euo pipefail
cd "$(dirname "$0")/../.."
HOLDOUT="${HOLDOUT:-/work/corpus_runs/holdout_flite_9k.pt}"
SYNTH3K="${SYNTH3K:-/work/corpus_runs/synth_3k.pt}"
SYNTHAUG="${SYNTHAUG:-/work/corpus_runs/synth_aug.pt}"
for suite in devsmall dev16; do
  tsreprog --threads 1 bench --data ../shared/ucr --suite "suites/$suite.txt" --methods tsreprog-random \
    --seeds 3 --jobs "${JOBS:-1}" --out "results/source_model/reprogram/${suite}_random" < /dev/null
  tsreprog --threads 1 bench --data ../shared/ucr --suite "suites/$suite.txt" --methods tsreprog \
    --seeds 3 --jobs "${JOBS:-1}" --out "results/source_model/reprogram/${suite}_holdout9k" \
    --set "weights=$HOLDOUT" < /dev/null
  tsreprog --threads 1 bench --data ../shared/ucr --suite "suites/$suite.txt" --methods tsreprog \
    --seeds 3 --jobs "${JOBS:-1}" --out "results/source_model/reprogram/${suite}_synth3k" \
    --set "weights=$SYNTH3K" < /dev/null
  tsreprog --threads 1 bench --data ../shared/ucr --suite "suites/$suite.txt" --methods tsreprog \
    --seeds 3 --jobs "${JOBS:-1}" --out "results/source_model/reprogram/${suite}_synthaug" \
    --set "weights=$SYNTHAUG" < /dev/null
done
