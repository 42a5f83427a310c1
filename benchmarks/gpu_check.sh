#!/usr/bin/env bash
# GPU check (<= 8 min on one H100): bf16 vs fp32 loss on the same batch, then ms/step and
# model-FLOP utilisation of configs/vit.yaml at two batch sizes in bf16.
#   bash benchmarks/gpu_check.sh                       # on a GPU machine
#   DEVICE=cpu BATCHES="2" STEPS=1 bash benchmarks/gpu_check.sh   # smoke test of the script
# PEAK_TFLOPS: dense bf16 peak of the card (H100 SXM 989, H100 PCIe 756, H200 989, A100 312).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DEVICE=${DEVICE:-cuda}
CONFIG=${CONFIG:-configs/vit.yaml}
BATCHES=${BATCHES:-"32 128"}
STEPS=${STEPS:-20}
PEAK_TFLOPS=${PEAK_TFLOPS:-989}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

echo "== bf16 vs fp32 loss on one batch ($CONFIG, $DEVICE)"
DEVICE=$DEVICE CONFIG=$CONFIG timeout 180 "$PY" - <<'PYEOF'
import os, sys
import torch
sys.argv = ["gpu_check"]
from benchmarks.train_throughput import build

device, config = os.environ["DEVICE"], os.environ["CONFIG"]
torch.manual_seed(0)
model, batch = build(config, 8)
model, batch = model.to(device).eval(), batch.to(device)
with torch.no_grad():
    fp32 = model._objective(batch)[0].item()
    with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
        bf16 = model._objective(batch)[0].item()
rel = abs(bf16 - fp32) / max(abs(fp32), 1e-8)
print(f"loss fp32: {fp32:.5f}  bf16: {bf16:.5f}  relative difference: {rel:.4f}")
sys.exit(0 if rel < 0.05 else 1)
PYEOF

for b in $BATCHES; do
  echo "== throughput, batch $b, bf16"
  timeout 200 "$PY" benchmarks/train_throughput.py --config "$CONFIG" --batch-size "$b" --steps "$STEPS" \
    --warmup 3 --device "$DEVICE" --precision bf16 --peak-tflops "$PEAK_TFLOPS"
done
