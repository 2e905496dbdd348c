"""Re-export saved multi-task weights (``--torch-out``) to ONNX and quantize them as training does.

Used for the shipped model: its training run quantized every MatMul to int8; the weights were
re-exported and quantized with the feed-forward output projections in fp32 (the first choice
of ``scout sentiment train`` since), see MODEL_CARD.md.

    python -m bench.sentiment.requantize TORCH_DIR MODEL_DIR
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import onnx
import torch

from monitor.sentiment.train import build_model, export_onnx, packaged_base_model, quantize_int8


def main() -> None:
    torch_dir, model_dir = Path(sys.argv[1]), Path(sys.argv[2])
    model = build_model(torch, packaged_base_model(), 0.1)
    model.load_state_dict(torch.load(str(torch_dir / "multitask.pt")))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export_onnx(torch, model, fp32)
        ffn_out = [
            n.name
            for n in onnx.load(str(fp32)).graph.node
            if n.op_type == "MatMul" and "output/dense" in n.name and "attention" not in n.name
        ]
        quantize_int8(fp32, model_dir / "model.onnx", ffn_out)
    sys.stdout.write(f"{model_dir / 'model.onnx'}: {len(ffn_out)} MatMuls kept in fp32\n")


if __name__ == "__main__":
    main()
