"""A sweep's results store detects damage (issue 19): shards truncated, emptied, with one bit
flipped, garbage, duplicated or unrecorded are found; reading the table refuses a damaged store in
one line; resuming sets the damaged shards aside (quarantine/) and redoes their runs, and the table
then equals the undamaged sweep's, bit for bit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import SweepError, analyze, load_runs, load_timeseries, spec_from_dict, sweep
from sim.sweep.store import CHECKSUMS, QUARANTINE, damage

CASCADE = Path(sys.executable).with_name("cascade")
SMALL = {"executives": 1, "layers": 2, "span": 3, "pivot_interval": 13.0, "role_clarity": 0.5,
         "feedback": 0.0, "champion_share": 0.1, "defender_share": 0.2}
DATA = {"name": "d", "base": "baseline", "set": SMALL, "horizon": 8, "replications": 2,
        "parameters": {"role_clarity": [0.2, 0.5, 0.8]}, "timeseries": {"every": 4}}


def spec():
    return spec_from_dict(json.loads(json.dumps(DATA)))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The undamaged sweep: 6 runs in 3 shards of 2 (with time series)."""
    out = tmp_path_factory.mktemp("clean")
    table = sweep(spec(), out, workers=1, shard_runs=2)
    assert len(sorted((out / "d" / "runs").glob("part-*.parquet"))) == 3
    return out / "d", table, load_timeseries(out / "d")


@pytest.fixture
def copy(clean, tmp_path):
    folder, _, _ = clean
    shutil.copytree(folder, tmp_path / "d")
    return tmp_path / "d"


def shards(folder: Path, sub: str = "runs") -> list[Path]:
    return sorted((folder / sub).glob("part-*.parquet"))


def flip_bit(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_unrecorded_shard_is_not_done_yet_and_redone_on_resume(clean, copy):
    """A shard renamed into place but not yet recorded (a sweep writing it, or killed right then)
    does not count: the table leaves its runs out instead of refusing; resuming redoes them."""
    _, table, _ = clean
    records = copy / CHECKSUMS
    lines = records.read_text().splitlines()
    records.write_text("\n".join(lines[:-2]) + "\n")  # the last shard's two lines (series, runs)
    partial = load_runs(copy)
    assert 0 < len(partial) < len(table) and set(partial["run"]) < set(table["run"])
    assert set(load_timeseries(copy)["run"]) == set(partial["run"])
    assert list(damage(copy).values())[0].startswith("no checksum recorded")
    pd.testing.assert_frame_equal(sweep(spec(), copy.parent, workers=1, shard_runs=2), table)


DAMAGE = {
    "truncated": lambda f: shards(f)[1].write_bytes(shards(f)[1].read_bytes()[:200]),
    "emptied": lambda f: shards(f)[0].write_bytes(b""),
    "one bit flipped": lambda f: flip_bit(shards(f)[2]),
    "garbage": lambda f: shards(f)[1].write_bytes(b"PAR1 not a parquet file at all PAR1"),
    "duplicated": lambda f: shutil.copy(shards(f)[0], f / "runs" / "part-000000009-deadbeef.parquet"),
    "series bit flipped": lambda f: flip_bit(shards(f, "timeseries")[0], 0.4),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damage_is_detected_refused_on_read_and_redone_on_resume(clean, copy, kind):
    _, table, series = clean
    DAMAGE[kind](copy)
    found = damage(copy)
    assert found, kind
    if kind == "duplicated":  # a copy has no checksum recorded: it is not counted at all
        pd.testing.assert_frame_equal(load_runs(copy), table)
    else:
        with pytest.raises(SweepError, match="damaged shard") as info:
            load_runs(copy)
        assert "\n" not in str(info.value) and len(str(info.value)) < 400
        with pytest.raises(SweepError, match="damaged shard"):
            analyze(copy)
    redone = sweep(spec(), copy.parent, workers=1, shard_runs=2)
    pd.testing.assert_frame_equal(redone, table)
    pd.testing.assert_frame_equal(load_timeseries(copy), series)
    assert damage(copy) == {}
    set_aside = list((copy / QUARANTINE).rglob("*.parquet"))
    assert len(set_aside) >= 1
    log = [json.loads(line) for line in (copy / QUARANTINE / "log.jsonl").read_text().splitlines()]
    assert {entry["shard"] for entry in log} == set(found)
    assert redone.attrs["quarantined"] and all(":" in q for q in redone.attrs["quarantined"])


def test_a_flipped_bit_no_longer_yields_absurd_values_silently(clean, copy):
    """One flipped bit gave 1.19e308 and an interval of -inf to inf, exit 0."""
    path = shards(copy)[0]
    data = bytearray(path.read_bytes())
    # flip a bit in every byte of the data pages in turn until a value changes but the file reads
    original = pd.read_parquet(path)
    for at in range(8, len(data) - 8):
        trial = bytearray(data)
        trial[at] ^= 0x40
        path.write_bytes(bytes(trial))
        try:
            changed = pd.read_parquet(path)
        except Exception:  # noqa: BLE001 - this bit broke the file: try the next
            continue
        if not changed.equals(original):
            break
    else:
        pytest.skip("no single-bit change that keeps the file readable")
    assert damage(copy), "a readable but altered shard must be detected"
    with pytest.raises(SweepError, match="altered on disk"):
        load_runs(copy)


def test_duplicates_are_never_counted_twice(clean, copy):
    """A duplicated shard counted its runs twice (n of 6-8 instead of 4)."""
    _, table, _ = clean
    DAMAGE["duplicated"](copy)
    records = copy / CHECKSUMS  # even a duplicate whose checksum line was copied too
    line = records.read_text().splitlines()[1]
    entry = json.loads(line)
    entry["shard"] = "runs/part-000000009-deadbeef.parquet"
    records.write_text(records.read_text() + json.dumps(entry) + "\n")
    assert "repeats run" in " ".join(damage(copy).values())
    redone = sweep(spec(), copy.parent, workers=1, shard_runs=2)
    assert len(redone) == len(table) and not redone["run"].duplicated().any()
    pd.testing.assert_frame_equal(redone, table)


def test_the_command_line_says_what_was_set_aside_and_analyze_refuses_damage(clean, copy):
    DAMAGE["truncated"](copy)
    spec_file = copy.parent / "d.yaml"
    import yaml

    spec_file.write_text(yaml.safe_dump(DATA))
    analyzed = subprocess.run([str(CASCADE), "analyze", str(copy)], capture_output=True, text=True, timeout=120)
    assert analyzed.returncode == 2 and "Traceback" not in analyzed.stderr
    assert "damaged shard" in analyzed.stderr and len(analyzed.stderr.strip().splitlines()) == 1
    resumed = subprocess.run([str(CASCADE), "sweep", str(spec_file), "--out", str(copy.parent), "--workers", "1"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "set aside" in resumed.stderr + resumed.stdout and "quarantine" in resumed.stderr + resumed.stdout
    pd.testing.assert_frame_equal(load_runs(copy), clean[1], check_like=False)


def test_a_store_made_before_checksums_is_checked_for_readability_and_kept(clean, copy):
    manifest = json.loads((copy / "sweep.json").read_text())
    del manifest["checksums"]
    (copy / "sweep.json").write_text(json.dumps(manifest))
    (copy / CHECKSUMS).unlink()
    assert damage(copy) == {}
    pd.testing.assert_frame_equal(sweep(spec(), copy.parent, workers=1, shard_runs=2), clean[1])
    assert not (copy / CHECKSUMS).exists() and damage(copy) == {}
    DAMAGE["garbage"](copy)
    assert "unreadable" in " ".join(damage(copy).values())
