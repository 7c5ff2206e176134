"""`wipbot import` given a path that is no file to read: the same `file:1: file: reason` line as
any bad file, nothing imported, and never a read that blocks (a pipe) or never ends (a device)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .conftest import EXAMPLES, wipbot


def _refused_file(path: Path, reason: str) -> None:
    outcome = wipbot("import", "pos", str(path))
    assert outcome.code == 1, outcome.stdout
    assert outcome.stderr.splitlines() == [
        f"{path}:1: file: {reason}",
        f"{path}: 1 bad line; nothing was imported",
    ]
    outcome = wipbot("import", "pos", str(path), "--json")
    assert outcome.code == 1
    assert json.loads(outcome.stdout)["errors"][0]["reason"] == reason


def test_paths_that_are_no_file(database: str, tmp_path: Path) -> None:
    assert wipbot("import", "factories", str(EXAMPLES / "factories.csv")).code == 0
    folder = tmp_path / "pos.csv"
    folder.mkdir()
    _refused_file(folder, "a folder, not a file")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    _refused_file(pipe, "not a regular file")
    device = tmp_path / "zero.csv"
    device.symlink_to("/dev/zero")
    _refused_file(device, "not a regular file")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    _refused_file(loop, "too many levels of symbolic links")
    _refused_file(tmp_path / ("a" * 300 + ".csv"), "file name too long")
    board = wipbot("po", "list", "--json")
    assert board.code == 0 and json.loads(board.stdout) == []


def test_a_link_to_a_file_is_imported(database: str, tmp_path: Path) -> None:
    link = tmp_path / "factories.csv"
    link.symlink_to(EXAMPLES / "factories.csv")
    assert wipbot("import", "factories", str(link)).code == 0
