"""Reading labelled tweets (``id<TAB>label<TAB>text``) and splitting them reproducibly."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import ClassifierError
from monitor.sentiment.base import LABELS


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text."""

    id: str
    label: str
    text: str


@dataclass(slots=True)
class Dataset:
    """Examples read from one or more TSV files, with counts of what was skipped."""

    examples: list[Example] = field(default_factory=list)
    skipped_lines: int = 0
    duplicates: int = 0
    files: list[str] = field(default_factory=list)
    #: each skipped line as ``(file, line number, why)``
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    #: repeated texts (not ids), a part of ``duplicates``
    repeated_texts: int = 0

    def label_counts(self) -> dict[str, int]:
        """Examples per label, in :data:`LABELS` order."""
        counts = Counter(e.label for e in self.examples)
        return {name: counts.get(name, 0) for name in LABELS}


def project_rows(path: Path, columns: int, allowed: dict[int, Sequence[str]] | None = None) -> list[list[str]]:
    """The rows of a project-written TSV (``#`` lines and blank lines skipped), each split into
    exactly ``columns`` fields (the last keeps any further tabs); ``allowed`` maps a column index
    to the values it may hold.

    Raises :class:`ClassifierError` naming the file, the line number and what is wrong: these
    files are written by hand, and a silent skip would train on less than the card says.
    """
    rows: list[list[str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", columns - 1)
        if len(parts) != columns or not parts[-1].strip():
            raise ClassifierError(
                f"{path}, line {number}: expected {columns} tab-separated fields with a text last, "
                f"got {len(parts)}: {line[:80]!r}"
            )
        for index, values in (allowed or {}).items():
            if parts[index] not in values:
                raise ClassifierError(
                    f"{path}, line {number}: field {index + 1} is {parts[index]!r}, expected one of "
                    + ", ".join(repr(v) for v in values)
                )
        rows.append(parts)
    return rows


def parse_line(line: str) -> Example | None:
    """Parse ``id<TAB>label<TAB>text[<TAB>extra]``; None for a line that does not parse.

    A fourth column is tolerated (some SemEval files carry an empty one or a date); a line whose
    label is not one of :data:`LABELS` or whose text is empty is rejected.
    """
    return None if line_problem(line) else _example(line)


def _example(line: str) -> Example:
    parts = line.rstrip("\r\n").split("\t")
    return Example(parts[0].strip(), parts[1].strip().lower(), parts[2].strip())


def line_problem(line: str) -> str | None:
    """Why ``line`` is not ``id<TAB>label<TAB>text``, in words for the person who wrote the file
    (None: it parses)."""
    parts = line.rstrip("\r\n").split("\t")
    if len(parts) < 3:
        return f"{len(parts)} tab-separated field(s), expected id<TAB>label<TAB>text"
    ident, label, text = parts[0].strip(), parts[1].strip().lower(), parts[2].strip()
    if not ident:
        return "the id (field 1) is empty"
    if label not in LABELS:
        return f"the label (field 2) is {parts[1].strip()[:40]!r}, expected one of {', '.join(LABELS)}"
    if not text:
        return "the text (field 3) is empty"
    return None


def read_tsv(paths: Iterable[Path]) -> Dataset:
    """Read TSV files, dropping lines that do not parse and repeated ids or texts (first wins)."""
    ds = Dataset()
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for path in paths:
        ds.files.append(str(path))
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                problem = line_problem(line)
                if problem is not None:
                    ds.skipped_lines += 1
                    ds.problems.append((str(path), number, problem))
                    continue
                ex = _example(line)
                key = " ".join(ex.text.lower().split())
                if ex.id in seen_ids or key in seen_texts:
                    ds.duplicates += 1
                    ds.repeated_texts += key in seen_texts
                    continue
                seen_ids.add(ex.id)
                seen_texts.add(key)
                ds.examples.append(ex)
    return ds


def layout_problem(ds: Dataset) -> str | None:
    """Why a labelled file read as ``ds`` is probably not ``id<TAB>label<TAB>text`` at all (a
    figure computed on it would mean nothing), or None: most of its lines do not parse, or its
    "text" column repeats a handful of values (columns in another order, e.g.
    text<TAB>label<TAB>kind)."""
    lines = len(ds.examples) + ds.skipped_lines + ds.duplicates
    if lines and ds.skipped_lines * 2 > lines:
        return f"{ds.skipped_lines} of {lines} lines do not parse"
    parsed = len(ds.examples) + ds.repeated_texts
    if parsed >= 10 and ds.repeated_texts * 2 > parsed:
        return (f"the text column (field 3) holds only {len(ds.examples)} different values over {parsed} lines: "
                "are the columns in another order?")
    return None


def read_dir(data_dir: Path) -> Dataset:
    """Read every ``*.tsv`` in ``data_dir`` (sorted by name, so the result is stable)."""
    paths = sorted(data_dir.glob("*.tsv"))
    if not paths:
        raise FileNotFoundError(f"no .tsv files in {data_dir}")
    return read_tsv(paths)


def stratified_split(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split into (train, validation) keeping ``fraction`` of each label for validation."""
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for ex in examples:
        by_label.setdefault(ex.label, []).append(ex)
    train: list[Example] = []
    val: list[Example] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        n_val = round(len(group) * fraction)
        val.extend(group[:n_val])
        train.extend(group[n_val:])
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val
