"""Configuration of the sentiment classifier."""

from __future__ import annotations

from pydantic import Field

from monitor.config.base import StrictModel


class SentimentConfig(StrictModel):
    """Which model tags mentions, and how.

    ``model`` is ``builtin`` (the shipped ONNX model, no PyTorch needed), ``lexicon`` (VADER), a
    folder holding ``model.onnx`` (an ONNX model folder written by ``scout sentiment train``),
    any other local folder or a Hugging Face model id (needs the ``[torch]`` extra and, for a
    hub id, internet or a warm cache). ``batch_size`` texts run together (sorted by length),
    posts are truncated to ``max_length`` tokens, ``threads`` caps the CPU threads. A result
    whose confidence is below ``uncertain_below`` is flagged ``uncertain``; a mention whose
    language is known and not in ``languages`` is marked unsupported instead of scored; with
    ``detect_language`` a post whose source gives no language has it told from its text.
    """

    model: str = "builtin"
    batch_size: int = Field(64, ge=1, le=1024)
    max_length: int = Field(128, ge=8, le=512)
    threads: int = Field(2, ge=1, le=64)
    uncertain_below: float = Field(0.55, ge=0.0, le=1.0)
    languages: list[str] = Field(default_factory=lambda: ["en"], description="languages the model covers")
    detect_language: bool = Field(
        True, description="tell the language of a post whose source gives none (py3langid, confident answers "
        "only); a language outside `languages` then goes to a person like one the source named",
    )
