"""Re-export saved multi-task weights (``--torch-out``) to ONNX and quantize them.

By default as training's first choice (the feed-forward output projections in fp32); with
``--all-int8`` every MatMul in int8, as the shipped model is (MODEL_CARD.md, ``metrics.json``
``note``: smaller, faster and no less accurate for that run).

    python -m bench.sentiment.requantize [--all-int8] TORCH_DIR MODEL_DIR
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import onnx
import torch

from monitor.sentiment.train import build_model, export_onnx, packaged_base_model, quantize_int8


def main() -> None:
    args = sys.argv[1:]
    all_int8 = "--all-int8" in args
    torch_dir, model_dir = (Path(a) for a in args if a != "--all-int8")
    model = build_model(torch, packaged_base_model(), 0.1)
    model.load_state_dict(torch.load(str(torch_dir / "multitask.pt")))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export_onnx(torch, model, fp32)
        ffn_out = [] if all_int8 else [
            n.name
            for n in onnx.load(str(fp32)).graph.node
            if n.op_type == "MatMul" and "output/dense" in n.name and "attention" not in n.name
        ]
        quantize_int8(fp32, model_dir / "model.onnx", ffn_out)
    sys.stdout.write(f"{model_dir / 'model.onnx'}: {len(ffn_out)} MatMuls kept in fp32\n")


if __name__ == "__main__":
    main()
