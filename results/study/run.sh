#!/usr/bin/env bash
# Run the accuracy study of issue 7: every line of settings.txt as one `tsreprog bench` run
# (3 seeds on suites/devsmall.txt, one results folder per setting). Usage:
#     results/study/run.sh & results/study/run.sh     # two single-threaded workers, 2 cores
# Each worker takes the next setting no worker has claimed (claims: $CLAIMS, default
# /tmp/tsreprog-study-claims; remove it to start a new round). Reruns resume: bench skips the
# cells whose results file exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${TSREPROG_UCR:-../shared/ucr}
claims=${CLAIMS:-/tmp/tsreprog-study-claims}
mkdir -p "$claims"
grep -v '^#' results/study/settings.txt | while IFS='|' read -r name methods sets; do
    name=$(echo $name); methods=$(echo $methods)
    mkdir "$claims/$name" 2>/dev/null || continue   # another worker has it
    echo "== $name ($(date -u +%H:%M:%S))"
    # shellcheck disable=SC2086
    tsreprog --threads 1 bench --data "$data" --suite suites/devsmall.txt --methods "$methods" \
        --seeds 3 --out "results/study/$name" ${sets:+--set $sets} < /dev/null
done
