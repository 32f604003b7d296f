"""Bounded reading of what users hand us: YAML documents with limits, and values quoted safely.

Scenario files and sweep specs are read through ``read_yaml``, which refuses, before building
anything, a file larger than ``MAX_BYTES``, nesting deeper than ``MAX_DEPTH`` and a document whose
aliases would expand past ``MAX_NODES`` values (a "billion laughs" bomb is a few hundred bytes).
Only safe YAML is constructed, duplicate and unhashable keys are errors, and plain scalars follow
YAML 1.2's number rules: ``0100`` and ``1:44`` stay text (YAML 1.1 read them as octal 64 and
sexagesimal 104), ``1e-3`` is a number. Every message is one line; ``quote`` bounds any value a
message shows, so an error never echoes a whole input.
"""

from __future__ import annotations

import os
import re
import reprlib
from pathlib import Path

import yaml

MAX_BYTES = 1_000_000  # a scenario or sweep spec is a few kB; an org chart is a separate file
MAX_DEPTH = 20  # nesting of mappings and lists (a scenario needs 4)
MAX_NODES = 100_000  # values in the document once aliases are expanded
QUOTE_CHARS = 60  # the longest quoted value in a message

_REPR = reprlib.Repr(maxlevel=2, maxdict=3, maxlist=3, maxtuple=3, maxset=3, maxstring=QUOTE_CHARS,
                     maxother=QUOTE_CHARS, maxlong=QUOTE_CHARS)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


BYTES_PER_PERSON = 600  # a model's memory per person (measured: 470-520 bytes at 0.3-3 million)


def available_memory() -> int | None:
    """Bytes this machine can give a new computation now (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_problem(people: int) -> str | None:
    """Why an organisation of ``people`` cannot be built here (None if it fits in memory)."""
    need, have = people * BYTES_PER_PERSON, available_memory()
    if have is None or need <= have:
        return None
    return (f"{people:,} people, which need about {_gib(need)} of memory to simulate; this machine has "
            f"{_gib(have)} available")


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB" if n < 2**70 else f"{n / 2**30:.2g} GiB"


def quote(value) -> str:
    """``repr(value)`` for a message: bounded in length and nesting (safe on alias-shared data),
    on one line, with no control characters (no terminal escape reaches a user's screen)."""
    text = _REPR.repr(value)
    if len(text) > QUOTE_CHARS + 10:
        text = text[:QUOTE_CHARS] + "..."
    return _UNPRINTABLE.sub("?", text)


def clean(text: str, limit: int = QUOTE_CHARS) -> str:
    """Text for a message without quotes (a file name, a YAML problem): bounded, printable."""
    text = _UNPRINTABLE.sub("?", str(text))
    return text if len(text) <= limit else text[:limit] + "..."


class YAMLInputError(ValueError):
    """A document that cannot be read within the limits; the message is one line."""


class _Loader(yaml.SafeLoader):
    """Safe loading with YAML 1.2 numbers and duplicate keys refused."""


_Loader.yaml_implicit_resolvers = {  # drop YAML 1.1's int and float rules (octal, sexagesimal)
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # a list or mapping as a key
            raise yaml.constructor.ConstructorError(
                None, None, f"a {type(key).__name__} cannot be a key", key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {quote(key)}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_shape(text: str) -> None:
    """Depth and expanded size from the event stream (no recursion, linear in the text), before
    the composer (recursive: deep nesting overflows it) and the constructor run."""
    stack = [0]  # expanded values under each open collection
    sizes: dict[str, int] = {}  # anchor -> expanded values of its node
    anchors = []  # the anchor of each open collection
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append(0)
            anchors.append(event.anchor)
            if len(stack) - 1 > MAX_DEPTH:
                line = event.start_mark.line + 1
                raise YAMLInputError(f"nested more than {MAX_DEPTH} levels deep (line {line})")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            size = stack.pop() + 1
            anchor = anchors.pop()
            if anchor is not None:
                sizes[anchor] = size
            stack[-1] += size
        elif isinstance(event, yaml.ScalarEvent):
            stack[-1] += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            stack[-1] += sizes.get(event.anchor, 1)  # an unknown anchor: the composer says so
        else:
            continue
        if sum(stack) > MAX_NODES:
            line = event.start_mark.line + 1
            raise YAMLInputError(f"more than {MAX_NODES:,} values once aliases are expanded "
                                 f"(line {line}): not a scenario-sized document")


def parse_yaml(text: str):
    """A YAML document's data within the limits, or ``YAMLInputError`` (one line)."""
    if len(text) > MAX_BYTES:
        raise YAMLInputError(f"larger than {MAX_BYTES:,} characters")
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YAMLInputError(f"not valid YAML{where}: {clean(problem, 120)}") from None
    except RecursionError:  # a guard: _check_shape bounds the depth first
        raise YAMLInputError(f"nested too deeply (at most {MAX_DEPTH} levels)") from None


def read_yaml(path: Path):
    """Read and parse a YAML file within the limits; ``YAMLInputError`` says why not (one line,
    without the path: callers prefix their own)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YAMLInputError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise YAMLInputError(f"larger than {MAX_BYTES:,} bytes: a scenario or sweep spec is a few kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YAMLInputError(f"cannot read: not UTF-8 text (byte {exc.start})") from None
    return parse_yaml(text), text


__all__ = ["BYTES_PER_PERSON", "MAX_BYTES", "available_memory", "memory_problem", "MAX_DEPTH", "MAX_NODES", "YAMLInputError", "clean", "parse_yaml", "quote", "read_yaml"]
