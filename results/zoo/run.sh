#!/usr/bin/env bash
# The backbone-zoo transfer study (issue 19): for each backbone, three settings through
# `tsreprog bench`, one results folder per (backbone, setting):
#   reprogram  ReprogramClassifier's defaults with the backbone's pretrained weights
#              (bench method `tsreprog`)
#   random     the same with a randomly initialised backbone (`tsreprog-random`,
#              weights=None): does pretraining help?
#   probe      a linear probe on the frozen backbone's output (θ off: reprogram=False with
#              mapping=linear, the estimator's default mapping): does reprogramming beat probing?
# Fit and predict times are in every cell's record (fit_seconds, predict_seconds).
# Every setting uses one view, placement=repeat (since 2026-12-06 the estimator's default is a
# two-view ensemble; one view keeps the study at half the cost and asks about the backbone).
#
# Usage (from the repository root):
#   bash results/zoo/run.sh OUT [bench options...]
# e.g. the smoke run committed in results/zoo/smoke (1 seed, 2 datasets):
#   bash results/zoo/run.sh results/zoo/smoke --data ../shared/ucr --datasets Chinatown,BME --seeds 1
# and the full study (not run yet):
#   bash results/zoo/run.sh results/zoo/devsmall --data ../shared/ucr --suite suites/devsmall.txt --seeds 3
#   bash results/zoo/run.sh results/zoo/dev16 --data ../shared/ucr --suite suites/dev16.txt --seeds 3
# then: python results/zoo/summarize.py OUT
# BACKBONES="crepe" bash results/zoo/run.sh ... runs a subset. Rerunning resumes (bench skips
# finished cells).
set -euo pipefail
OUT="${1:?usage: run.sh OUT [bench options...]}"
shift
BACKBONES="${BACKBONES:-attrnn silero-vad resemblyzer crepe}"
TSREPROG="${TSREPROG:-tsreprog}"
for bb in $BACKBONES; do
  "$TSREPROG" --threads 1 bench "$@" --methods tsreprog --out "$OUT/$bb/reprogram" \
    --set "backbone=$bb" placement=repeat
  "$TSREPROG" --threads 1 bench "$@" --methods tsreprog-random --out "$OUT/$bb/random" \
    --set "backbone=$bb" placement=repeat
  "$TSREPROG" --threads 1 bench "$@" --methods tsreprog --out "$OUT/$bb/probe" \
    --set "backbone=$bb" placement=repeat reprogram=False mapping=linear
done
