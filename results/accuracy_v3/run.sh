#!/usr/bin/env bash
# Accuracy v3 study (issue 16): development suites only, 3 seeds, one torch thread per run.
# Every line resumes (a finished cell is kept), so the script can be rerun after an interruption.
# usage: results/accuracy_v3/run.sh devsmall|dev16 [SETTING ...]   (default: every setting)
set -euo pipefail
cd "$(dirname "$0")/../.."
suite=$1
shift
out=results/accuracy_v3/$suite
wanted=" ${*:-all} "
run() {  # run NAME METHODS [--set ...]
  local name=$1 methods=$2
  shift 2
  if [[ $wanted != " all " && $wanted != *" $name "* ]]; then return; fi
  tsreprog --threads 1 bench --data ../shared/ucr --suite "suites/$suite.txt" --methods "$methods" \
    --seeds 3 --out "$out/$name" "$@"
}
# "default": the single-view default of the study's time (tiling + Linear(layer="auto"), the
# pooled head); today's default is the vote of "default" and "segments"
run default tsreprog,minirocket --set placement=repeat
run logits tsreprog --set mapping__layer=logits      # the previous default: a linear map of the logits
run am tsreprog --set placement=am
run segments tsreprog --set placement=segments
if [ "$suite" = devsmall ]; then
  run context tsreprog --set mapping__layer=context
  run fm tsreprog --set placement=fm
  run rs128 tsreprog --set placement__length=128
  run many_to_one tsreprog --set mapping=many_to_one
  run ilm tsreprog --set mapping=ilm
  run blm tsreprog --set mapping=blm
  run blm3 tsreprog --set mapping=blm mapping__top_k=3
fi
