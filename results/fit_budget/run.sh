#!/usr/bin/env bash
# Fit-budget study (issue 21): ReprogramClassifier(max_steps=300) against today's defaults
# (max_steps=None), per view of the default ensemble (repeat, segments; table.py scores the
# ensemble as their soft vote). One torch thread per run; every line resumes.
#   dev16 (3 seeds): the default's cells are results/accuracy_v3/dev16/{default,segments}
#     (today's defaults, one view each). A budget can only change a fit whose training set has
#     more than max_steps * batch_size / epochs = 160 series; the other cells must come out
#     equal, a check that the runs are deterministic.
#   devlarge (2 seeds, 390-600 training series): the repeat view only, default and budget run
#     here (the segments view was left out for time), and MiniRocketRidge for scale.
# usage: bash results/fit_budget/run.sh [JOBS]
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=${1:-1}
out=results/fit_budget
bench() { tsreprog --threads 1 bench --data ../shared/ucr --jobs "$jobs" "$@"; }
for view in repeat segments; do
  bench --suite suites/dev16.txt --seeds 3 --methods tsreprog \
    --out $out/dev16/steps300/$view --set placement=$view max_steps=300
done
bench --suite suites/devlarge.txt --seeds 2 --methods tsreprog \
  --out $out/devlarge/default/repeat --set placement=repeat
bench --suite suites/devlarge.txt --seeds 2 --methods tsreprog \
  --out $out/devlarge/steps300/repeat --set placement=repeat max_steps=300
bench --suite suites/devlarge.txt --seeds 2 --methods minirocket-ridge --out $out/devlarge/minirocket
