"""An error that lists the brands stays one line whatever their names hold: a name with a line
break of its own (U+0085, U+2028), stored by an import or `brand add`, split "several brands
(...); choose one with --brand" in two (found by tests/cli/test_fuzz_arguments.py)."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES, refused, wipbot


@pytest.mark.parametrize("name", ["North\x85wind", "North\u2028wind", "Tab\tand\x1cSep"])
def test_several_brands_are_named_on_one_line(database: str, name: str) -> None:
    del database
    assert wipbot("import", "factories", str(EXAMPLES / "factories.csv")).code == 0
    added = wipbot(
        "brand",
        "add",
        name,
        "--slack-team",
        "T0NEW",
        "--alerts-channel",
        "C0A",
        "--approvals-channel",
        "C0B",
    )
    assert added.code == 0, added.stderr
    line = refused("gate", "request", "PO-1036-A", "--by=Lan")
    assert "several brands" in line and repr(name) in line
