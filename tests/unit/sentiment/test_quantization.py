"""The shipped model's integer weights give the same products on every CPU.

ONNX Runtime multiplies uint8 activations by int8 weights with ``VPMADDUBSW`` on x86 CPUs
without AVX-512 VNNI, which saturates sums of two products at 16 bits; the shipped model read
2.7% of the sample differently on an AMD EPYC (AVX2) than on an Intel Xeon (VNNI).
:func:`uint8_weights` stores the weights as uint8 (+128, zero points too): uint8 x uint8 is
widened before it is added, so the result is exact everywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from monitor.sentiment.encoder import OnnxSentenceEncoder
from monitor.sentiment.onnx_model import BUILTIN_MODEL_DIR, OnnxClassifier
from monitor.sentiment.train_model import uint8_weights

K, N = 64, 8


def _matmul_integer(path: Path, w: np.ndarray) -> None:
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "W", "azp", "wzp"], ["Y"])], "g",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [None, K]),
         helper.make_tensor_value_info("azp", TensorProto.UINT8, [])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [None, N])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(np.zeros(N, dtype=np.int8), "wzp")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.save(model, str(path))


def _run(path: Path, a: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out: np.ndarray = session.run(None, {"A": a, "azp": np.array(0, dtype=np.uint8)})[0]
    return out


def test_uint8_weights_give_the_exact_products_where_int8_may_saturate(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    # 255 x 127 + 255 x 127 = 64,770: past the 16-bit range a saturating multiply-add has
    w = rng.choice(np.array([-127, 127, -100, 120], dtype=np.int8), size=(K, N))
    a = np.full((3, K), 255, dtype=np.uint8)
    a[1] = rng.integers(0, 256, K, dtype=np.uint8)
    exact = a.astype(np.int64) @ w.astype(np.int64)
    path = tmp_path / "m.onnx"
    _matmul_integer(path, w)
    assert uint8_weights(path) == 2  # the weights and their zero points
    stored = {i.name: i for i in onnx.load(str(path)).graph.initializer}
    assert stored["W"].data_type == stored["wzp"].data_type == TensorProto.UINT8
    assert (numpy_helper.to_array(stored["W"]).astype(np.int64) - 128 == w).all()
    assert (_run(path, a) == exact).all()
    assert uint8_weights(path) == 0  # nothing left to change


def test_the_shipped_model_keeps_no_int8_matmul_weights() -> None:
    model = onnx.load(str(BUILTIN_MODEL_DIR / "model.onnx"))
    inits = {i.name: i.data_type for i in model.graph.initializer}
    weights = [inits[n.input[1]] for n in model.graph.node if n.op_type == "MatMulInteger" and n.input[1] in inits]
    assert weights and set(weights) == {TensorProto.UINT8}


def test_a_post_reads_the_same_alone_and_in_any_batch() -> None:
    """Dynamic quantization scales a pass's activations together: batched, 4% of the sample's
    texts changed label with their neighbours. The shipped model runs one text per pass
    (``per_text``), the classifier and the sentence encoder alike."""
    texts = [line.rsplit("\t", 1)[-1] for line in (Path(__file__).parent / "data" / "sample.tsv")
             .read_text(encoding="utf-8").splitlines() if "\t" in line][:120]
    clf = OnnxClassifier()
    assert clf.info.per_text
    batched = clf.classify(texts)
    shuffled = dict(zip(range(len(texts))[::-1], clf.classify(texts[::-1]), strict=True))
    alone = [clf.classify([t])[0] for t in texts[:40]]
    assert [r.label for r in batched] == [shuffled[i].label for i in range(len(texts))]
    assert all(abs(a.score - b.score) < 1e-5 for a, b in zip(alone, batched, strict=False))
    enc = OnnxSentenceEncoder()
    assert np.allclose(enc.encode(texts[:20]), np.stack([enc.encode([t])[0] for t in texts[:20]]), atol=1e-5)
