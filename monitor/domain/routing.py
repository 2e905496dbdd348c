"""The routing tree (Alertmanager semantics), pure: labels in, matching routes out.

Children inherit their parent's receiver and timing and override what they set; the first
matching child wins unless it has ``continue: true``; when no child matches, the node itself
matches. The root matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from monitor.config.policy import RouteConfig

_MATCHER = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(=~|!~|!=|>=|<=|~=|=|>|<)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Matcher:
    """One ``label op value`` test; ``~=`` means "the list label contains value"."""

    label: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``light="red"``, ``author_reach>=10000``, ``source=~"x|reddit"``, ``keywords~="refund"``."""
        m = _MATCHER.match(text)
        if not m:
            raise ValueError(f'cannot parse matcher {text!r} (expected e.g. light="red" or author_reach>=1000)')
        label, op, value = m.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if op in (">=", "<=", ">", "<"):
            try:
                float(value)
            except ValueError:
                raise ValueError(f"matcher {text!r}: {op} needs a number") from None
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"matcher {text!r}: bad regular expression: {exc}") from None
        return cls(label, op, value)

    def matches(self, labels: Mapping[str, object]) -> bool:
        """Whether ``labels`` satisfy this matcher (a missing label is the empty string)."""
        raw = labels.get(self.label, "")
        if self.op == "~=":
            items = raw if isinstance(raw, list | tuple | set | frozenset) else [raw]
            return any(str(i).lower() == self.value.lower() for i in items)
        if self.op in (">=", "<=", ">", "<"):
            try:
                num = float(raw)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return False
            ref = float(self.value)
            return {">=": num >= ref, "<=": num <= ref, ">": num > ref, "<": num < ref}[self.op]
        text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if self.op == "=":
            return text == self.value
        if self.op == "!=":
            return text != self.value
        full = re.fullmatch(self.value, text) is not None
        return full if self.op == "=~" else not full

    def __str__(self) -> str:
        return f'{self.label}{self.op}"{self.value}"'


@dataclass(frozen=True)
class RouteOpts:
    """Options a route passes down to its children."""

    receiver: str
    group_by: tuple[str, ...] = ()
    group_wait: timedelta = timedelta(0)
    group_interval: timedelta = timedelta(minutes=5)
    repeat_interval: timedelta = timedelta(hours=4)


@dataclass(frozen=True)
class RouteMatch:
    """A route that matched: its receiver, options and the path that explains it."""

    receiver: str
    opts: RouteOpts
    path: str
    matchers: tuple[str, ...]


@dataclass
class Route:
    """A node of the compiled routing tree."""

    opts: RouteOpts
    matchers: list[Matcher]
    continue_: bool
    path: str
    routes: list[Route] = field(default_factory=list)

    @classmethod
    def build(cls, cfg: RouteConfig, parent: RouteOpts | None = None, path: str = "route") -> Route:
        """Compile a :class:`RouteConfig`, inheriting unset options from ``parent``."""
        base = parent or RouteOpts(receiver=cfg.receiver or "")
        opts = RouteOpts(
            receiver=cfg.receiver or base.receiver,
            group_by=tuple(cfg.group_by) if cfg.group_by is not None else base.group_by,
            group_wait=cfg.group_wait if cfg.group_wait is not None else base.group_wait,
            group_interval=cfg.group_interval if cfg.group_interval is not None else base.group_interval,
            repeat_interval=cfg.repeat_interval if cfg.repeat_interval is not None else base.repeat_interval,
        )
        node = cls(opts=opts, matchers=[Matcher.parse(m) for m in cfg.matchers], continue_=cfg.continue_, path=path)
        node.routes = [cls.build(c, opts, f"{path}.routes[{i}]") for i, c in enumerate(cfg.routes)]
        return node

    def match(self, labels: Mapping[str, object]) -> list[RouteMatch]:
        """The routes that ``labels`` reach, in tree order (never empty at the root)."""
        if not all(m.matches(labels) for m in self.matchers):
            return []
        out: list[RouteMatch] = []
        for child in self.routes:
            found = child.match(labels)
            if found:
                out.extend(found)
                if not child.continue_:
                    break
        if not out:
            out.append(RouteMatch(self.opts.receiver, self.opts, self.path, tuple(str(m) for m in self.matchers)))
        return out


def receivers_of(matches: list[RouteMatch]) -> list[str]:
    """Receiver names of ``matches``, deduplicated, in order."""
    seen: list[str] = []
    for m in matches:
        if m.receiver not in seen:
            seen.append(m.receiver)
    return seen
