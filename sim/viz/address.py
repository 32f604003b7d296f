"""A run in the page's address, so that reloading the page brings it back.

A run is deterministic from its start and the levers moved along the way, so the address keeps
only that (``Session.recipe``): the preset or lesson it started from, the seed, the levers set
before week 0 that differ from that start, each lever moved later with its week, and the week
reached; the frozen run A likewise, its keys prefixed ``a.``. For example::

    ?preset=technology&seed=3&feedback=0.3&13.role_clarity=0.8&week=40

The page rebuilds the run by replaying it (``Session.replay``). The address comes from the
browser, so it is hostile until checked: here its shape (size, known keys, whole numbers in
range), and every lever value by the same checks as a slider's, when it is replayed. A name is
looked up among the offered presets and lessons; nothing in it is ever a path.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from ..inputs import quote
from ..params import BY_NAME, STRUCTURAL

MAX_LENGTH = 4000  # characters of the query string
MAX_FIELDS = 200  # key=value pairs, run A's included
MAX_WEEKS = 1040  # twenty years: the week a run may be replayed to
MAX_SEED = 2**63 - 1
MAX_VALUE = 40  # characters of one value
_KEY = re.compile(r"(?P<a>a\.)?(?:(?P<week>\d{1,4})\.)?(?P<name>[a-z_]{1,40})")


class AddressError(ValueError):
    """The address's run cannot be used; the message is one line naming the field."""


def encode(run: dict, a: dict | None = None) -> str:
    """The query string (without ``?``) of a run and, if frozen, run A."""
    pairs = _pairs(run, "")
    if a is not None:
        pairs += _pairs(a, "a.")
    return urlencode(pairs)


def _pairs(run: dict, prefix: str) -> list[tuple[str, str]]:
    out = [(f"{prefix}{kind}", run[kind]) for kind in ("preset", "lesson") if run.get(kind)]
    out.append((f"{prefix}seed", str(run["seed"])))
    out += [(f"{prefix}{name}", _text(v)) for name, v in run["base"].items()]
    out += [(f"{prefix}{week}.{name}", _text(v)) for week, name, v in run["changes"]]
    out.append((f"{prefix}week", str(run["week"])))
    return out


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)  # repr: a float read back exactly


def _value(text: str):
    """A lever's value as the slider would send it: a whole number, a number or a choice's name."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _int(where: str, text: str, high: int) -> int:
    if not re.fullmatch(r"\d{1,19}", text) or int(text) > high:
        raise AddressError(f"{where} = {quote(text)} is not allowed: expected a whole number from 0 to {high}")
    return int(text)


def decode(query: str) -> tuple[dict, dict | None]:
    """The run and run A (or None) of a query string, checked for shape; AddressError otherwise."""
    query = (query or "").lstrip("?")
    if len(query) > MAX_LENGTH:
        raise AddressError(f"the address is {len(query):,} characters long: at most {MAX_LENGTH:,}")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise AddressError(f"the address has more than {MAX_FIELDS} fields") from None
    runs: dict[str, dict] = {}
    for key, text in pairs:
        m = _KEY.fullmatch(key)
        if not m:
            raise AddressError(f"{quote(key)} is not a field of a run (preset, lesson, seed, week, a lever)")
        run = runs.setdefault("a" if m["a"] else "", {"base": {}, "changes": []})
        name, week = m["name"], m["week"]
        if len(text) > MAX_VALUE:
            raise AddressError(f"{key}: a value of at most {MAX_VALUE} characters, got {len(text)}")
        if week is None and name in ("preset", "lesson"):
            run[name] = text
        elif week is None and name in ("seed", "week"):
            run[name] = _int(key, text, MAX_SEED if name == "seed" else MAX_WEEKS)
        elif name not in BY_NAME:
            raise AddressError(f"{quote(key)} is not a field of a run: {quote(name)} is not a parameter "
                               "(see `cascade params`)")
        elif week is None:
            run["base"][name] = _value(text)
        elif name in STRUCTURAL:
            raise AddressError(f"{key}: {name} shapes the organisation, so it is set before week 0 only")
        else:
            run["changes"].append((_int(key, week, MAX_WEEKS), name, _value(text)))
    if "" not in runs:
        if runs:
            raise AddressError("a.*: run A is kept only beside a run (preset or lesson, seed, week)")
        return {}, None
    for prefix, run in runs.items():
        if run.get("preset") and run.get("lesson"):
            raise AddressError(f"{prefix}preset and {prefix}lesson: a run starts from one or the other")
        run.setdefault("week", 0)
        run.setdefault("seed", None)
        run["changes"].sort(key=lambda c: c[0])  # stable: a lever's moves in one week stay in order
        late = [(w, name) for w, name, _ in run["changes"] if w > run["week"]]
        if late:
            (w, name), *_ = late
            raise AddressError(f"{prefix}{w}.{name}: a lever moved in week {w}, after the week "
                               f"reached ({prefix}week = {run['week']})")
    return runs[""], runs.get("a")


__all__ = ["AddressError", "decode", "encode", "MAX_LENGTH", "MAX_WEEKS"]
