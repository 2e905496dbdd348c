"""Text normalisation shared by training and inference (the model sees the same form both times)."""

from __future__ import annotations

import re

PREPROCESS_ID = "twitter-v1"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_USER = re.compile(r"(?<![\w@])@\w{1,30}")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Replace URLs by ``http`` and user handles by ``@user``, collapse white space.

    The SemEval tweets and live mentions both carry many handles and links whose identity
    says little about polarity; mapping them to one token each helps the model generalise.
    """
    text = _URL.sub("http", text)
    text = _USER.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
