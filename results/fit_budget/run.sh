#!/usr/bin/env bash
# Fit-budget study (issue 21): ReprogramClassifier(max_steps=...) against today's defaults
# (max_steps=None), per view of the default ensemble (repeat, segments; the ensemble is their
# soft vote, summarised by table.py). One torch thread per run; every line resumes.
#   dev16 (3 seeds): the baseline cells are results/accuracy_v3/dev16/{default,segments}
#     (today's defaults, one view each). A budget can only change a fit whose training set
#     has more than max_steps * batch_size / epochs series (160 for 300 steps, 320 for 600):
#     300 runs on the whole suite (the other cells must come out equal: a check of
#     determinism), 600 on the datasets where it binds.
#   devlarge (2 seeds): 390-600 training series, baseline and budgets run here.
# usage: bash results/fit_budget/run.sh [JOBS]
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=${1:-1}
out=results/fit_budget
bench() { tsreprog --threads 1 bench --data ../shared/ucr --jobs "$jobs" "$@"; }
for view in repeat segments; do
  bench --suite suites/dev16.txt --seeds 3 --methods tsreprog \
    --out $out/dev16/steps300/$view --set placement=$view max_steps=300
  bench --suite suites/devlarge.txt --seeds 2 --methods tsreprog \
    --out $out/devlarge/default/$view --set placement=$view
  bench --suite suites/devlarge.txt --seeds 2 --methods tsreprog \
    --out $out/devlarge/steps300/$view --set placement=$view max_steps=300
done
for view in repeat segments; do
  bench --datasets MedicalImages,DistalPhalanxOutlineAgeGroup --seeds 3 --methods tsreprog \
    --out $out/dev16/steps600/$view --set placement=$view max_steps=600
  bench --suite suites/devlarge.txt --seeds 2 --methods tsreprog \
    --out $out/devlarge/steps600/$view --set placement=$view max_steps=600
done
bench --suite suites/devlarge.txt --seeds 2 --methods minirocket-ridge --out $out/devlarge/minirocket
