"""Which language a post is in, when its source does not say (Reddit, Hacker News, many feeds).

``py3langid`` (a registry package that ships its model: 97 languages, naive Bayes over byte
n-grams, about 0.2 ms a post) reads the post without its links, handles, hashtags and the
organisation's own names ("SET SEG" reads as anything). Only a confident answer counts: the top
language at :data:`MIN_PROBABILITY` or more, with :data:`MIN_LETTERS` letters left to read;
otherwise the language stays unknown and the post is read as the model's language, as before.
On the project's 568 English brand posts (the sample, the held-out brand, challenge and
confidentiality sets) it names no other language (`tests/unit/sentiment/test_language.py`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

MIN_PROBABILITY = 0.5
MIN_LETTERS = 15

#: English-lexified creoles and pidgins the identifier names for short plain English posts
#: (py3langid: "Same, still waiting since September" -> pcm 0.67): read as unknown, so as English
ENGLISH_LIKE = frozenset({"pcm", "sco", "jam", "tpi", "bi", "srn", "kri", "hwc"})

#: codes a source gives when it could not tell a language: ISO 639-2 "undetermined", "no
#: linguistic content", "multiple", "uncoded", and X's own for posts of only media links,
#: mentions, hashtags, cashtags or too little text (developer.x.com, the ``lang`` field)
UNDETERMINED = frozenset({"und", "zxx", "mul", "mis", "qme", "qam", "qht", "qct", "qst"})

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+")
_LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def not_a_language(code: str) -> bool:
    """Whether a source's language ``code`` says that it could not tell (:data:`UNDETERMINED`)."""
    return code.strip().lower() in UNDETERMINED


def readable_part(text: str, names: Sequence[str] = ()) -> str:
    """``text`` without links, handles, hashtags and ``names`` (matched case-insensitively, any
    spacing): what tells its language."""
    out = _NOISE.sub(" ", text)
    for name in sorted({n.strip("#@ ") for n in names if n.strip("#@ ")}, key=len, reverse=True):
        out = re.sub(r"\s*".join(re.escape(w) for w in name.split()), " ", out, flags=re.IGNORECASE)
    return " ".join(out.split())


def detect_language(text: str, names: Sequence[str] = ()) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when it cannot be told
    with confidence (too few letters once ``names`` and links are out, or no language at
    :data:`MIN_PROBABILITY`)."""
    rest = readable_part(text, names)
    if len(_LETTER.findall(rest)) < MIN_LETTERS:
        return None
    lang, prob = _model().classify(rest)
    if str(lang) in ENGLISH_LIKE:
        return None  # short English reads as Nigerian Pidgin ("still waiting since September")
    return str(lang) if float(prob) >= MIN_PROBABILITY else None
