"""Re-select the irony threshold of a model folder on the validation data (as training does).

Objective (the one ``scout sentiment train`` maximises): mean of the macro-recall on the
SemEval validation split and on the brand validation posts, after temperature and the irony
rule. Prints the objective per threshold; ``--write`` stores the best in ``config.json``.
Only validation data is used (no held-out file, no sample data).

    python -m bench.sentiment.irony_threshold MODEL_DIR [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from monitor.sentiment.base import LABELS
from monitor.sentiment.cli import DEFAULT_BRAND_FILE, DEFAULT_DATA_DIR, DEFAULT_IRONY_DIR
from monitor.sentiment.metrics import evaluate
from monitor.sentiment.onnx_model import OnnxClassifier, combine_irony
from monitor.sentiment.train import TrainSettings, aux_examples, load_splits

GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    s = TrainSettings(data_dir=args.data_dir, output_dir=args.model_dir, irony_dir=DEFAULT_IRONY_DIR,
                      brand_file=DEFAULT_BRAND_FILE)  # fmt: skip
    _, val, _ = load_splits(s, lambda _line: None)
    _, _, _, brand_val = aux_examples(s, lambda _line: None)
    clf = OnnxClassifier(args.model_dir)
    temperature = clf.info.temperature

    def probs(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        logits, irony = clf.outputs(texts)
        assert irony is not None, "the model has no irony head"
        z = logits / temperature
        p = np.exp(z - z.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True), irony

    pv, iv = probs([e.text for e in val])
    pb, ib = probs([a.text for a in brand_val])
    gv = [e.label for e in val]
    gb = [LABELS[a.label] for a in brand_val if a.label is not None]
    best, best_t = -1.0, GRID[0]
    for t in GRID:
        a = evaluate(gv, [LABELS[i] for i in combine_irony(pv, iv, t)[0].argmax(axis=1)]).macro_recall
        b = evaluate(gb, [LABELS[i] for i in combine_irony(pb, ib, t)[0].argmax(axis=1)]).macro_recall
        sys.stdout.write(f"threshold {t}: validation {a:.4f}, brand validation {b:.4f}, objective {(a + b) / 2:.4f}\n")
        if (a + b) / 2 > best + 1e-9:
            best, best_t = (a + b) / 2, t
    sys.stdout.write(f"best threshold {best_t} (objective {best:.4f})\n")
    if args.write:
        path = args.model_dir / "config.json"
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["irony"]["threshold"] = best_t
        path.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
