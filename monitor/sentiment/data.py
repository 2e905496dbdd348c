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
    parts = line.rstrip("\r\n").split("\t")
    if len(parts) < 3:
        return None
    ident, label, text = parts[0].strip(), parts[1].strip().lower(), parts[2].strip()
    if label not in LABELS or not text or not ident:
        return None
    return Example(ident, label, text)


def read_tsv(paths: Iterable[Path]) -> Dataset:
    """Read TSV files, dropping lines that do not parse and repeated ids or texts (first wins)."""
    ds = Dataset()
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for path in paths:
        ds.files.append(str(path))
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    continue
                ex = parse_line(line)
                if ex is None:
                    ds.skipped_lines += 1
                    continue
                key = " ".join(ex.text.lower().split())
                if ex.id in seen_ids or key in seen_texts:
                    ds.duplicates += 1
                    continue
                seen_ids.add(ex.id)
                seen_texts.add(key)
                ds.examples.append(ex)
    return ds


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
