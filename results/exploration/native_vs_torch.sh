#!/usr/bin/env bash
# Accuracy with PyTorch's kernels vs tsreprog's native kernels (see native_vs_torch.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=results/exploration/native_vs_torch.jsonl
rm -f "$OUT"
DATA="GunPoint,Chinatown,SonyAIBORobotSurface2"
TSREPROG_NATIVE=0 python results/exploration/native_vs_torch.py "$OUT" 0-4 "$DATA"
TSREPROG_NATIVE=1 python results/exploration/native_vs_torch.py "$OUT" 0-4 "$DATA"
python results/exploration/native_vs_torch.py --summary "$OUT"
