"""Telling a post's language when its source gives none (``monitor.sentiment.language``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.sentiment.language import detect_language, not_a_language, readable_part

ROOT = Path(__file__).resolve().parents[3]
NAMES = ["SET SEG", "SETSEG", "#setseg", "setseg.example"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("SET SEG rechazó mi reclamo otra vez, pésimo servicio", "es"),
        ("Tengo tres semanas esperando el pago de SET SEG", "es"),
        ("¿Alguien sabe por qué SET SEG no contesta?", "es"),
        ("Le portail de SET SEG est en panne depuis ce matin", "fr"),
        ("Das Portal von SET SEG geht schon wieder nicht", "de"),
        ("A SET SEG negou meu pedido de novo, atendimento péssimo", "pt"),
        ("SET SEG ha rifiutato la mia richiesta, servizio pessimo", "it"),
        ("SET SEG denied my claim again and nobody calls back", "en"),
    ],
)
def test_a_post_long_enough_is_told(text: str, lang: str) -> None:
    assert detect_language(text, NAMES) == lang


@pytest.mark.parametrize(
    "text",
    ["gracias SET SEG", "SET SEG portal down", "SET SEG SET SEG SET SEG", "lol", "https://x.com/a/status/1 @setseg",
     "#setseg #fail 😡"],
)
def test_too_little_to_read_stays_unknown(text: str) -> None:
    assert detect_language(text, NAMES) is None


def test_our_own_names_links_and_handles_are_not_read() -> None:
    assert readable_part("Ugh @bob SET  SEG's portal https://setseg.example/x #setseg down", NAMES) == "Ugh 's portal down"


def test_no_english_brand_post_of_the_project_is_told_another_language() -> None:
    """The sample's English mentions and the project's held-out brand sets (568 posts): a wrong
    language would send an English complaint to "needs review" instead of the model."""
    files = [ROOT / "tests/unit/sentiment/data/sample.tsv", *(ROOT / "bench/sentiment/data").glob("*.tsv")]
    texts = [line.rsplit("\t", 1)[-1] for f in files for line in f.read_text(encoding="utf-8").splitlines() if "\t" in line]
    assert len(texts) >= 500
    other = [(detect_language(t, NAMES), t) for t in texts if detect_language(t, NAMES) not in (None, "en")]
    assert other == []


@pytest.mark.parametrize("code", ["und", "UND", "zxx", "qme", "qam", "qht", "qct", "qst", "mul", " und "])
def test_codes_that_say_the_source_could_not_tell(code: str) -> None:
    """X sends ``und`` (and ``qme``, ``qam``...) for a post it could not read: no language nobody
    covers, but an unknown one, read from the text like a post without a code."""
    assert not_a_language(code)


@pytest.mark.parametrize("code", ["en", "es", "de", "pt", "es-MX"])
def test_real_languages_are_languages(code: str) -> None:
    assert not not_a_language(code)


@pytest.mark.parametrize("text", ["Same, still waiting since September", "still waiting on SET SEG since October"])
def test_short_english_read_as_a_pidgin_is_english(text: str) -> None:
    """Judge Q (2026-12-05): these went to "needs review: language pcm is not covered"."""
    assert detect_language(text, NAMES) is None
