"""The results store of one sweep: ``results/<sweep>/``.

::

    sweep.json        the manifest: identity (spec hash), design, sizes, seeding, versions
    spec.yaml         the spec as written
    scenario.yaml     the resolved base scenario (every parameter's value)
    points.parquet    the design: one row per point
    unit.parquet      a sampled design's points in the unit cube (for Sobol and Morris indices)
    runs/*.parquet    the runs' summaries, in shards (a row per run: run, point, rep, the
                      parameters, status, error, every summary metric)
    timeseries/*.parquet   the downsampled time series, if kept

    checksums.jsonl   one line per shard written: its path, size and SHA-256
    quarantine/       damaged shards, set aside (with why, in quarantine/log.jsonl)

A shard is written under a temporary name and renamed into place (``os.replace``), then its
checksum is appended to ``checksums.jsonl``: a shard counts only once its checksum is recorded, so
a sweep killed at any moment loses only the runs it had not yet recorded. Shards are trusted only
as far as they check: opening the store to resume sets aside (``quarantine/``) every shard that is
unrecorded, truncated, altered (one flipped bit) or unreadable, or that repeats runs of another, and
its runs are done again; reading the table (``load_runs``) leaves unrecorded shards out and
refuses a damaged store with one line saying so. One process writes a store at a time (an advisory lock, released by the system even after
``kill -9``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..runner import _atomic_dir, _versions
from .design import unit_sample
from .spec import SEEDING, SweepError, SweepSpec

ID_COLUMNS = ("run", "point", "rep")
RUNS, SERIES = "runs", "timeseries"
CHECKSUMS, QUARANTINE = "checksums.jsonl", "quarantine"
UNRECORDED = "no checksum recorded (unfinished, or not written by this sweep)"


class Store:
    """An open, locked store. ``Store.open(directory, spec, points)`` creates it or checks that it
    holds the same sweep; ``done()`` the runs already written; ``write(records, series)`` a shard."""

    def __init__(self, directory: Path, lock_fd: int, schema: pa.Schema, series_schema: pa.Schema | None):
        self.directory, self._lock = directory, lock_fd
        self.schema, self.series_schema = schema, series_schema
        self.quarantined: list[str] = []  # the damaged shards set aside on opening (and why)
        self.checksums = True  # whether the store records its shards' checksums

    @classmethod
    def open(cls, directory: str | Path, spec: SweepSpec, points: pd.DataFrame, metrics, columns) -> "Store":
        directory = Path(directory)
        if not (directory / "sweep.json").is_file():
            if directory.exists() and any(directory.iterdir()):
                raise SweepError(f"{directory} exists and is not a sweep's results folder: choose another --out")
            if directory.exists():
                directory.rmdir()
            _atomic_dir(directory, lambda tmp: _create(tmp, spec, points))
        manifest = read_manifest(directory)
        if manifest["identity"] != spec.identity:
            raise SweepError(
                f"{directory} holds a different sweep (spec hash {manifest['identity'][:12]}, this spec "
                f"{spec.identity[:12]}): the spec, its base scenario or the model's defaults changed; "
                "choose another --out or remove the folder")
        fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SweepError(f"{directory} is being written by another cascade sweep: wait for it, or stop it") from None
        for stale in directory.glob("*/.*.tmp"):  # shards a killed sweep left half-written
            stale.unlink()
        for orphan in _shards(directory, SERIES, complete=False):  # series whose runs never landed
            if not (directory / RUNS / orphan.name).exists():
                orphan.unlink()
        quarantined = _quarantine(directory, damage(directory))
        stored = pd.read_parquet(directory / "points.parquet")
        schema = pa.schema(
            [pa.field(c, pa.int64()) for c in ID_COLUMNS]
            + [pa.field(f.name, f.type) for f in pa.Schema.from_pandas(stored, preserve_index=False)]
            + [pa.field("status", pa.string()), pa.field("error", pa.string())]
            + [pa.field(m, pa.float64()) for m in metrics])
        series = (pa.schema([pa.field("run", pa.int64()), pa.field("week", pa.int64())]
                            + [pa.field(c, pa.float64()) for c in columns])
                  if spec.timeseries else None)
        store = cls(directory, fd, schema, series)
        store.quarantined, store.checksums = quarantined, bool(manifest.get("checksums"))
        return store

    def points(self) -> pd.DataFrame:
        return pd.read_parquet(self.directory / "points.parquet")

    def done(self) -> set[int]:
        """The runs already written."""
        out: set[int] = set()
        for path in _shards(self.directory, RUNS):
            out.update(pq.read_table(path, columns=["run"]).column("run").to_pylist())
        return out

    def write(self, records: list[dict], series: list[pd.DataFrame]) -> None:
        """One shard of runs (and their time series, written first: a run counts as done only
        when its summary is in place, so a series is never missing for a done run)."""
        if not records:
            return
        name = f"part-{min(r['run'] for r in records):09d}-{uuid.uuid4().hex[:8]}.parquet"
        if self.series_schema is not None and series:
            frame = pd.concat(series, ignore_index=True)
            _write(pa.Table.from_pandas(frame, schema=self.series_schema, preserve_index=False),
                   self.directory / SERIES / name)
        _write(pa.Table.from_pylist(records, schema=self.schema), self.directory / RUNS / name)
        if self.checksums:  # a store made before checksums were kept stays as it was
            written = [self.directory / sub / name for sub in (SERIES, RUNS)]
            _record(self.directory, [p for p in written if p.exists()])

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _create(tmp: Path, spec: SweepSpec, points: pd.DataFrame) -> None:
    (tmp / "spec.yaml").write_text(spec.text or "", encoding="utf-8")
    (tmp / "scenario.yaml").write_text(spec.scenario.to_yaml(resolved=True), encoding="utf-8")
    points.to_parquet(tmp / "points.parquet")
    if spec.design.method != "grid":  # the unit-cube coordinates, for the sensitivity analyses
        pd.DataFrame(unit_sample(spec), columns=list(spec.parameters)).to_parquet(tmp / "unit.parquet")
    manifest = {
        "name": spec.name, "description": spec.description, "identity": spec.identity,
        "source": spec.source, "base": spec.scenario.name, "horizon": spec.horizon,
        "parameters": {k: list(v) if isinstance(v, tuple) else v.model_dump() for k, v in spec.parameters.items()},
        "roles": spec.roles,
        "design": spec.design.model_dump(), "points": len(points), "replications": spec.replications,
        "runs": len(points) * spec.replications, "seed": spec.seed, "seeding": SEEDING,
        "run_index": "run = point * replications + rep",
        "metrics": list(spec.metrics), "timeseries": spec.timeseries and spec.timeseries.model_dump(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": _versions(),
        "checksums": CHECKSUMS,
    }
    (tmp / "sweep.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    (tmp / CHECKSUMS).touch()
    for sub in (RUNS, SERIES):
        (tmp / sub).mkdir()


def _shards(directory: Path, sub: str, complete: bool = True) -> list[Path]:
    """A folder's shards; ``complete``: only those whose runs' summaries are written."""
    found = sorted((directory / sub).glob("part-*.parquet"))
    return [p for p in found if not complete or (directory / RUNS / p.name).exists()]


# --------------------------------------------------------------------------- damage


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(directory: Path, paths: list[Path]) -> None:
    """Append the shards' checksums (flushed to disk: a recorded shard is a finished shard)."""
    lines = "".join(json.dumps({"shard": f"{p.parent.name}/{p.name}", "bytes": p.stat().st_size,
                                "sha256": _sha256(p)}) + "\n" for p in paths)
    with open(directory / CHECKSUMS, "a", encoding="utf-8") as f:
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


def _recorded(directory: Path) -> dict[str, dict] | None:
    """The recorded checksums by shard (None for a store made before checksums were kept). A torn
    or garbled line is skipped: its shard then counts as unrecorded, and is redone."""
    if not read_manifest(directory).get("checksums"):
        return None
    path = directory / CHECKSUMS
    out = {}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    for line in lines:
        try:
            entry = json.loads(line)
            out[str(entry["shard"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    return out


def damage(directory: str | Path, unrecorded: bool = True) -> dict[str, str]:
    """The store's damaged shards (``runs/part-...``: why), in file order; {} when all check.

    A shard is damaged when its size or SHA-256 differs from the record, it cannot be read as a
    table, or it repeats runs of an earlier shard; and, with ``unrecorded``, when its checksum is
    not recorded (without: such a shard is simply not done, as while a sweep is writing it). A
    runs shard and its time series shard go together (a done run always has its series)."""
    directory = Path(directory)
    recorded = _recorded(directory)
    out: dict[str, str] = {}
    seen: dict[int, str] = {}
    for path in sorted((directory / RUNS).glob("part-*.parquet")):
        key, series = f"{RUNS}/{path.name}", directory / SERIES / path.name
        why = _check(directory, key, recorded)
        if why == UNRECORDED and not unrecorded:
            continue
        if why is None and series.exists():
            why = _check(directory, f"{SERIES}/{path.name}", recorded)
            why = why and f"its time series shard is damaged: {why}"
        if why is None:
            try:
                runs = pq.read_table(path, columns=["run"]).column("run").to_pylist()
            except (OSError, ValueError, KeyError, pa.ArrowException):
                runs, why = [], "it has no run column"
            again = next((r for r in runs if r in seen), None)
            if again is not None:
                why = f"it repeats run {again} of {seen[again]}"
            seen.update((r, key) for r in runs)
        if why is not None:
            out[key] = why
            if series.exists():
                out[f"{SERIES}/{path.name}"] = "goes with its runs' shard"
    return out


def _check(directory: Path, key: str, recorded: dict[str, dict] | None) -> str | None:
    """Why one shard cannot be trusted (None if it can). A store made before checksums were
    kept (``recorded`` None) gets the readability check only."""
    path = directory / key
    if recorded is not None:
        entry = recorded.get(key)
        if entry is None:
            return UNRECORDED
        size = path.stat().st_size
        if entry.get("bytes") != size:
            return f"{size} bytes where {entry.get('bytes')} were written"
        if entry.get("sha256") != _sha256(path):
            return "altered on disk (its checksum differs from the one recorded)"
        return None
    try:
        pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return f"unreadable ({str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__})"
    return None


def _quarantine(directory: Path, damaged: dict[str, str]) -> list[str]:
    """Move damaged shards to quarantine/ (never deleted), log why, forget their checksums."""
    if not damaged:
        return []
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = directory / QUARANTINE
    out = []
    for key, why in damaged.items():
        sub, name = key.split("/", 1)
        (target / sub).mkdir(parents=True, exist_ok=True)
        os.replace(directory / key, target / sub / f"{stamp}-{name}")
        out.append(f"{key}: {why}")
    with open(target / "log.jsonl", "a", encoding="utf-8") as f:
        for key, why in damaged.items():
            f.write(json.dumps({"shard": key, "why": why, "moved": stamp}) + "\n")
    recorded = _recorded(directory)
    if recorded is not None:  # rewrite the record without the shards set aside
        tmp = directory / f".{CHECKSUMS}.tmp"
        tmp.write_text("".join(json.dumps(e) + "\n" for k, e in recorded.items() if k not in damaged),
                       encoding="utf-8")
        os.replace(tmp, directory / CHECKSUMS)
    return out


def read_manifest(directory: str | Path) -> dict:
    path = Path(directory) / "sweep.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{directory}: not a sweep's results folder (no sweep.json)") from None
    except (OSError, ValueError) as exc:
        raise SweepError(f"{path}: cannot read: {exc}") from None


def _load(directory: str | Path, kind: str, order: list[str], columns=None) -> pd.DataFrame:
    directory = Path(directory)
    read_manifest(directory)
    damaged = damage(directory, unrecorded=False)
    if damaged:
        where, why = next(iter(damaged.items()))
        raise SweepError(f"{directory}: {len(damaged)} damaged shard{'s' if len(damaged) > 1 else ''} "
                         f"({where}: {why}{', ...' if len(damaged) > 1 else ''}): run the same sweep "
                         "command again to set them aside and redo their runs")
    recorded = _recorded(directory)  # only finished shards: those whose runs' checksum is recorded
    shards = [p for p in _shards(directory, kind) if recorded is None or f"{RUNS}/{p.name}" in recorded]
    if not shards:
        return pd.DataFrame()
    columns = None if columns is None else list(dict.fromkeys([*order, *columns]))
    table = pd.concat([pd.read_parquet(p, columns=columns) for p in shards], ignore_index=True)
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def load_runs(directory: str | Path, columns=None) -> pd.DataFrame:
    """Every run written so far, one row per run, in run order; only ``columns`` (and ``run``) if
    given, so that a large sweep's table need not be read whole."""
    return _load(directory, RUNS, ["run"], columns)


def load_timeseries(directory: str | Path) -> pd.DataFrame:
    """The kept time series of every run written so far (``run``, ``week``, the columns)."""
    return _load(directory, SERIES, ["run", "week"])


__all__ = ["Store", "damage", "load_runs", "load_timeseries", "read_manifest"]
