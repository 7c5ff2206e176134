"""Hostile values for the options of `po`, `qc`, `outbox` and `season`: one error line naming
the value, a non-zero exit status, and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import refused, wipbot

WIPBOT = str(Path(sys.executable).with_name("wipbot"))


@pytest.mark.parametrize("option", ["--as-of", "--today"])
@pytest.mark.parametrize("value", ["9999-12-31", "9999-12-30", "31/12/9999", "0001-01-01"])
def test_po_dates_past_the_calendar_are_refused(examples: Path, option: str, value: str) -> None:
    for command in (["po", "list"], ["po", "status", "PO-1031"]):
        line = refused(*command, option, value)
        assert f"{option}: {value!r} is out of range" in line


def test_po_dates_at_the_ends_of_the_range_are_judged(examples: Path) -> None:
    for day in ("1900-01-01", "2999-12-31"):
        outcome = wipbot("po", "list", "--today", day, "--as-of", day, "--json")
        assert outcome.code == 0, outcome.stderr
        assert {po["po_number"] for po in json.loads(outcome.stdout)} >= {"PO-1031"}


def _inspections() -> int:
    outcome = wipbot("qc", "list", "--json")
    assert outcome.code == 0
    return len(json.loads(outcome.stdout))


@pytest.mark.parametrize(
    "at", ["9999-12-31", "9999-12-31T23:00-05:00", "0001-01-01 01:00", "0001-01-01T01:00+05:00"]
)
def test_qc_record_at_past_the_calendar_is_refused_and_writes_nothing(
    examples: Path, at: str
) -> None:
    before = _inspections()
    line = refused("qc", "record", "PO-1031-A", "--lot", "100", "--at", at)
    assert f"--at: {at!r} is out of range" in line
    assert _inspections() == before


def test_qc_record_a_lot_wider_than_its_column_is_refused(examples: Path) -> None:
    before = _inspections()
    line = refused("qc", "record", "PO-1031-A", "--lot", "99999999999999999999")
    assert "--lot: 99999999999999999999 is too large" in line
    assert _inspections() == before


def test_outbox_limit_wider_than_a_database_integer_is_a_usage_error(examples: Path) -> None:
    assert "--limit" in refused("outbox", "--limit", "99999999999999999999", code=2)
    assert wipbot("outbox", "--limit", "2147483647", "--json").code == 0


def test_season_generate_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    a_file = tmp_path / "season.csv"
    a_file.write_text("not a folder")
    line = refused("season", "generate", "--seed", "1", "--out", str(a_file), "--orders", "5")
    assert "--out:" in line and "is a file, not a directory" in line
    line = refused("season", "generate", "--seed", "1", "--out", "/proc/wipbot/x", "--orders", "5")
    assert "--out: cannot write to '/proc/wipbot/x'" in line
    out = tmp_path / "s"
    line = refused("season", "generate", "--seed", "1", "--out", str(out), "--start", "9999-12-27")
    assert "--start: '9999-12-27' is out of range" in line
    assert not out.exists()
    assert "--orders" in refused(
        "season", "generate", "--seed", "1", "--out", str(out), "--orders", "9" * 20, code=2
    )


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["po", "status", "PO-1\x00031"], "a NUL character"),
        (["po", "list", "--factory", "\x00"], "a NUL character"),
        (["report", "defects", "--factory", "\udcff"], "bytes that are not UTF-8"),
        (["po", "status", "PO\udcc3"], "bytes that are not UTF-8"),
        (["brand", "add", "Nul\x00brand"], "a NUL character"),
    ],
)
def test_arguments_no_database_can_keep_are_refused_before_any_command(
    examples: Path, args: list[str], shown: str
) -> None:
    assert shown in refused(*args)


def test_bytes_that_are_not_utf8_on_the_real_command_line(examples: Path) -> None:
    """What a shell passes for a Latin-1 file name or a mistyped key: Python keeps such bytes
    as lone surrogates, which neither the database nor the terminal can encode."""
    done = subprocess.run(
        [WIPBOT, "report", "defects", "--factory", b"\xff\xfe"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().startswith("error: the argument '\\udcff\\udcfe' contains")


@pytest.mark.parametrize(
    "args",
    [
        ["po", "status", "P" * 100_000],
        ["po", "list", "--factory", "F" * 100_000],
        ["gate", "show", "G" * 100_000],
        ["brand", "member", "B" * 100_000, "U1"],
    ],
    ids=["po status", "po list --factory", "gate show", "brand member"],
)
def test_a_long_unknown_value_is_named_not_repeated_whole(examples: Path, args: list[str]) -> None:
    line = refused(*args)
    assert "(100,000 characters)" in line and len(line) < 300


@pytest.mark.parametrize("option", ["--from", "--to", "--train-from"])
def test_backtest_days_past_the_calendar_are_refused(examples: Path, option: str) -> None:
    line = refused("backtest", option, "9999-12-01")
    assert f"{option}: '9999-12-01' is out of range" in line


def test_backtest_lead_past_a_year_is_a_usage_error(examples: Path) -> None:
    assert "--lead" in refused("backtest", "--lead", "2147483647", code=2)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", [["--help"], ["po", "list"]])
def test_output_to_a_full_disk_is_one_line(examples: Path, command: list[str]) -> None:
    with Path("/dev/full").open("wb") as full:
        done = subprocess.run(
            [WIPBOT, *command], stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert done.returncode == 1
    assert done.stderr.decode() == "error: could not write the output: No space left on device\n"
