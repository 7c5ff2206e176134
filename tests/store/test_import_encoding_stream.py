"""A CSV file not in UTF-8 is read as it streams, like a UTF-8 one: memory does not grow with the
file. Its encoding is told from a sample (the first MiB and later lines outside ASCII), and every
line is checked to be in it, so a line that is not is refused as `file:line: field: reason`."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from wipbot.store.importing.encoding import SAMPLE_BYTES
from wipbot.store.importing.errors import ImportFailed
from wipbot.store.importing.sheet import stream_sheet

from .import_files import CHECKIN_HEADER

HEADER = ",".join(CHECKIN_HEADER) + "\n"
ASCII_ROW = "PO-{n}-A,2026-03-02,sewing,800,\n"
NOTE_ROW = "PO-{n}-A,2026-03-02,sewing,800,Sài Gòn réparé à 12 €\n"


def _write(path: Path, rows: int, row: str, encoding: str = "cp1252", tail: bytes = b"") -> int:
    """Write the file; returns the line the tail (if any) lands on."""
    with path.open("wb") as out:
        out.write(HEADER.encode(encoding))
        for start in range(0, rows, 1000):
            block = "".join(row.format(n=n) for n in range(start, min(rows, start + 1000)))
            out.write(block.encode(encoding))
        out.write(tail)
    return rows + 2


def _refusal(path: Path) -> tuple[int, str, str]:
    with pytest.raises(ImportFailed) as caught:
        for _ in stream_sheet(path, file="checkins.csv").rows:
            pass
    [error] = caught.value.errors
    return error.line, error.field, error.reason


def test_a_cp1252_file_is_read_in_memory_that_does_not_grow_with_it(tmp_path: Path) -> None:
    """4 MB in cp1252: decoded whole, its bytes and text alone took 12 MB, and telling its
    encoding from all of it several times that."""
    path = tmp_path / "checkins.csv"
    rows = 4 * 1024 * 1024 // len(NOTE_ROW)
    _write(path, rows, NOTE_ROW)
    tracemalloc.start()
    try:
        count, last = 0, None
        for row in stream_sheet(path).rows:
            count, last = count + 1, row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    assert last is not None and last.line == rows + 1
    assert last.cells["issues"] == "Sài Gòn réparé à 12 €"
    assert peak < 10 * 1024 * 1024


def test_a_utf16_file_is_streamed_too(tmp_path: Path) -> None:
    path = tmp_path / "checkins.csv"
    rows = 2 * 1024 * 1024 // (2 * len(NOTE_ROW))
    with path.open("wb") as out:
        out.write(b"\xff\xfe")
    with path.open("ab") as out:
        out.write(HEADER.encode("utf-16-le"))
        out.write("".join(NOTE_ROW.format(n=n) for n in range(rows)).encode("utf-16-le"))
    tracemalloc.start()
    try:
        notes = {row.cells["issues"] for row in stream_sheet(path).rows}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert notes == {"Sài Gòn réparé à 12 €"}
    assert peak < 5 * 1024 * 1024


def test_letters_first_met_past_the_first_mib_tell_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "checkins.csv"
    rows = 2 * SAMPLE_BYTES // len(ASCII_ROW)
    line = _write(path, rows, ASCII_ROW, tail=NOTE_ROW.format(n="x").encode("cp1252"))
    last = list(stream_sheet(path).rows)[-1]
    assert (last.line, last.cells["issues"]) == (line, "Sài Gòn réparé à 12 €")


def test_a_late_line_in_another_code_page_is_refused_naming_it(tmp_path: Path) -> None:
    """Past the sample, the file is no longer told whole: the line itself is checked."""
    path = tmp_path / "checkins.csv"
    rows = 3 * SAMPLE_BYTES // len(NOTE_ROW)
    gb = "PO-9-A,2026-03-02,sewing,800,宁波针织厂\n".encode("gb18030")
    line = _write(path, rows, NOTE_ROW, tail=gb)
    refused_line, field, reason = _refusal(path)
    assert (refused_line, field) == (line, "file")
    assert "cp1252" in reason and "CSV UTF-8" in reason


def test_a_late_byte_no_code_page_has_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "checkins.csv"
    rows = 3 * SAMPLE_BYTES // len(NOTE_ROW)
    line = _write(path, rows, NOTE_ROW, tail=b"PO-9-A,2026-03-02,sewing,800,caf\x81\n")
    assert _refusal(path)[:2] == (line, "file")


def test_a_file_whose_encoding_cannot_be_told_names_its_first_line_not_in_utf8(
    tmp_path: Path,
) -> None:
    path = tmp_path / "checkins.csv"
    garbage = b"PO-9-A,2026-03-02,sewing,800," + bytes(range(128, 256)) * 3 + b"\n"
    line = _write(path, 10, ASCII_ROW, tail=garbage)
    line_no, field, reason = _refusal(path)
    assert (line_no, field) == (line, "file")
    assert "cannot be told" in reason
