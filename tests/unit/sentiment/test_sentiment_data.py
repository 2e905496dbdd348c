"""Reading the training TSV format and splitting it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from monitor.errors import ClassifierError
from monitor.sentiment.confidential import read_trainset
from monitor.sentiment.data import parse_line, project_rows, read_tsv, stratified_split
from monitor.sentiment.text import normalize
from monitor.sentiment.train_setup import read_brand


def test_parse_line() -> None:
    assert parse_line("1\tpositive\tgreat stuff\n").text == "great stuff"  # type: ignore[union-attr]
    assert parse_line("1\tNegative\tbad\t\n").label == "negative"  # type: ignore[union-attr]
    assert parse_line("1\tpositive\tok\tWed Sep 09 2015") is not None
    assert parse_line("1\tpositive") is None
    assert parse_line("1\tangry\ttext") is None
    assert parse_line("1\tneutral\t   ") is None


def test_read_tsv_skips_and_dedupes(tmp_path: Path) -> None:
    f = tmp_path / "a.tsv"
    f.write_text(
        "1\tpositive\tI love it\n"
        "2\tnegative\tI hate it\n"
        "broken line\n"
        "1\tneutral\tsame id again\n"
        "3\tpositive\ti  LOVE it\n"
        "\n"
        "4\tneutral\tit exists\n",
        encoding="utf-8",
    )
    ds = read_tsv([f])
    assert [e.id for e in ds.examples] == ["1", "2", "4"]
    assert ds.skipped_lines == 1
    assert ds.duplicates == 2
    assert ds.label_counts() == {"negative": 1, "neutral": 1, "positive": 1}


def test_stratified_split_is_reproducible(sample_tsv: Path) -> None:
    ds = read_tsv([sample_tsv])
    train, val = stratified_split(ds.examples, 0.2, seed=7)
    train2, val2 = stratified_split(ds.examples, 0.2, seed=7)
    assert [e.id for e in val] == [e.id for e in val2] and [e.id for e in train] == [e.id for e in train2]
    assert not {e.id for e in train} & {e.id for e in val}
    assert len(train) + len(val) == len(ds.examples)
    counts, val_counts = Counter(e.label for e in ds.examples), Counter(e.label for e in val)
    for label, n in counts.items():
        assert val_counts[label] == round(n * 0.2)


def test_normalize() -> None:
    assert normalize("@Acme  your app https://t.co/xyz is\tbroken") == "@user your app http is broken"
    assert normalize("mail me at bob@example.com") == "mail me at bob@example.com"


def test_project_rows_name_the_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "brand.tsv"
    f.write_text("# kind<TAB>label<TAB>irony<TAB>text\n\ncomplaint\tnegative\t0\tslow claims, tab\there\n")
    assert read_brand(f)[0][1].text == "slow claims, tab\there"
    f.write_text("complaint\tnegative\t0\tfine\ncomplaint\tnegative only two tabs\n")
    with pytest.raises(ClassifierError, match=r"brand.tsv, line 2: expected 4 tab-separated fields"):
        read_brand(f)
    f.write_text("complaint\tangry\t0\ttext\n")
    with pytest.raises(ClassifierError, match=r"line 1: field 2 is 'angry', expected one of 'negative'"):
        read_brand(f)
    c = tmp_path / "confidential.tsv"
    c.write_text("fit\tyes\ta leak\n")
    with pytest.raises(ClassifierError, match=r"confidential.tsv, line 1: field 2 is 'yes'"):
        read_trainset(c)
    assert project_rows(c, 3) == [["fit", "yes", "a leak"]]
