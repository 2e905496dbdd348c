"""Building blocks for the configuration models: strict models, durations, secret references."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


_MAX_SECONDS = timedelta.max.total_seconds()


def _seconds(total: float, value: Any) -> timedelta:
    if not math.isfinite(total) or abs(total) >= _MAX_SECONDS:  # found by the config fuzz soak: 1e9 days
        raise ValueError(f"duration {str(value)[:40]!r} is out of range")
    return timedelta(seconds=total)


def parse_duration(value: Any) -> timedelta:
    """Parse ``30s``, ``5m``, ``4h``, ``1d``, ``2w`` or a number of seconds into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m, 4h or 1d")
    if isinstance(value, int | float):
        try:
            return _seconds(float(value), value)
        except OverflowError:  # an int too large for a float
            raise ValueError(f"duration {str(value)[:40]!r} is out of range") from None
    if isinstance(value, str):
        parts = re.findall(r"\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)?", value.strip())
        if parts and "".join(p.replace(" ", "") for p in parts) == value.replace(" ", ""):
            total = 0.0
            for p in parts:
                m = _DURATION.match(p)
                if not m:
                    break
                total += float(m.group(1)) * _UNITS[m.group(2)]
            else:
                return _seconds(total, value)
    raise ValueError(f"expected a duration such as 30s, 5m, 4h or 1d, got {value!r}")


def _fmt_duration(td: timedelta) -> str:
    s = int(td.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(_fmt_duration)]


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int):  # YAML 1.1 reads 09:00 as sexagesimal 540
        return time(value // 60, value % 60)
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        h, m = value.strip().split(":")
        if int(h) == 24 and int(m) == 0:
            return time(23, 59, 59)
        return time(int(h), int(m))
    raise ValueError(f"expected a time of day such as 09:00, got {value!r}")


TimeOfDay = Annotated[time, BeforeValidator(_parse_time), PlainSerializer(lambda t: t.strftime("%H:%M"))]

def check_zone(value: Any) -> Any:
    """An IANA time zone name that this machine's zone database knows (``Europe/Oslo``, ``UTC``)."""
    if not isinstance(value, str):
        raise ValueError(f"expected an IANA time zone name such as Europe/Oslo or UTC, got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {value[:60]!r} (expected an IANA name such as Europe/Oslo or UTC)") from None
    return value


#: A time zone checked at load: a bad name is a ConfigError, never a ZoneInfoNotFoundError mid-run.
TimeZoneName = Annotated[str, BeforeValidator(check_zone)]

# Characters a matching term may not contain: control characters (C0, C1, DEL), format characters
# that hide text or flip its direction (zero-width space, bidi overrides; the joiners ZWNJ/ZWJ that
# scripts and emoji need are allowed), line/paragraph separators, surrogates and unassigned code points.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def _bad_chars(value: str) -> list[str]:
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if (cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Cf" and ch not in _ALLOWED_FORMAT)) \
                and f"U+{ord(ch):04X}" not in out:
            out.append(f"U+{ord(ch):04X}")
    return out


def _check_term(value: Any) -> Any:
    """A term matched against post text: not blank, at least one letter or digit, no control chars.

    A blank term or one of punctuation only (``""``, ``"  "``, ``"-"``) would match every post.
    """
    if not isinstance(value, str):
        return value  # the str type reports it
    bad = _bad_chars(value)
    if bad:
        raise ValueError(f"term {value[:60]!r} contains control or invisible characters ({', '.join(bad)})")
    if not value.strip():
        raise ValueError(f"term {value[:60]!r} is empty: it would match every post")
    if not any(ch.isalnum() for ch in value):
        raise ValueError(f"term {value[:60]!r} has no letter or digit: it would match almost every post")
    return value


#: A word or phrase matched against post text (watch-lists, brand terms, topic keywords, ...).
MatchTerm = Annotated[str, BeforeValidator(_check_term)]

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _check_env_name(value: Any) -> Any:
    if value is None:
        return value
    if not isinstance(value, str) or not ENV_NAME.match(value):
        raise ValueError(
            "must name an environment variable (UPPER_CASE); put secrets in the environment, "
            "never in this file"
        )
    return value


EnvName = Annotated[str, BeforeValidator(_check_env_name)]


class StrictModel(BaseModel):
    """A config model that rejects unknown keys, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def check_hours(days: Sequence[str], start: time, end: time, *, overnight: bool = False) -> None:
    """``ValueError`` unless ``days`` names at least one day and ``end`` comes after ``start``
    (working hours within a day), or, with ``overnight``, differs from it (a shift from ``start``
    on each of ``days`` to ``end`` the next morning, e.g. 22:00-06:00)."""
    if not days:
        raise ValueError("days: at least one working day is needed")
    if overnight and end == start:
        raise ValueError(f"end {end:%H:%M} must differ from start {start:%H:%M} (a shift across midnight ends "
                         "the next morning, e.g. start 22:00, end 06:00)")
    if not overnight and end <= start:
        raise ValueError(f"end {end:%H:%M} must be after start {start:%H:%M} (office hours across midnight are "
                         "not supported: end the day at 24:00)")
