"""Any text as a command's argument or option ends in an answer or one error line with exit
status 1, never an exception: surrogates, NUL, control and combining characters, any length."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import EXAMPLES, use_database, wipbot

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
"""Every code point, lone surrogates and NUL included (argv hands over non-UTF-8 bytes as
surrogates; a script can pass any str to the runner)."""

FIXTURE_PER_TEST = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def examples_anywhere(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The examples imported through the CLI into SQLite, then PostgreSQL."""
    use_database(db_url, tmp_path, monkeypatch)
    for kind in ("factories", "pos", "checkins"):
        assert wipbot("import", kind, str(EXAMPLES / f"{kind}.csv")).code == 0
    return db_url


def _answered_or_refused(*args: str) -> None:
    outcome = wipbot(*args)
    assert outcome.code in (0, 1), (outcome.code, outcome.stderr)
    if outcome.code == 1:
        lines = outcome.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr


@pytest.mark.fuzz
@FIXTURE_PER_TEST
@given(text=ANY_TEXT)
def test_any_po_number(examples_anywhere: str, text: str) -> None:
    _answered_or_refused("po", "status", "--", text)


@pytest.mark.fuzz
@FIXTURE_PER_TEST
@given(text=ANY_TEXT, option=st.sampled_from(["--as-of", "--today", "--factory", "--brand"]))
def test_any_po_list_option(examples_anywhere: str, text: str, option: str) -> None:
    _answered_or_refused("po", "list", f"{option}={text}")


@pytest.mark.fuzz
@FIXTURE_PER_TEST
@given(
    text=ANY_TEXT,
    args=st.sampled_from(
        [
            ["cost"],
            ["qc", "list"],
            ["gate", "show"],
            ["report", "defects", "--style"],
            ["report", "defects", "--season"],
            ["prompt", "send", "--factory"],
        ]
    ),
)
def test_any_text_where_a_po_or_a_name_goes(
    examples_anywhere: str, text: str, args: list[str]
) -> None:
    if args[-1].startswith("--"):
        _answered_or_refused(*args[:-1], f"{args[-1]}={text}")
    else:
        _answered_or_refused(*args, "--", text)


WRITES = st.sampled_from(
    [
        ["brand", "add", "--"],
        ["brand", "add", "Northwind Apparel", "--slack-team"],
        ["brand", "add", "Northwind Apparel", "--timezone"],
        ["brand", "member", "Northwind Apparel", "--"],
        ["brand", "member", "Northwind Apparel", "U1", "--name"],
        ["contact", "invite", "--factory", "HCM1", "--platform", "console", "--name"],
        ["contact", "invite", "--factory", "HCM1", "--name", "Lan", "--language"],
        ["gate", "request", "PO-1036-A", "--by"],
        ["gate", "check", "PO-1036-A", "golden", "--by"],
        ["qc", "record", "PO-1031-A", "--lot", "100", "--inspector"],
        ["qc", "record", "PO-1031-A", "--lot", "100", "--note"],
        ["qc", "record", "PO-1031-A", "--lot", "100", "--defect"],
        ["qc", "record", "PO-1031-A", "--lot", "100", "--at"],
    ]
)


@pytest.mark.fuzz
@FIXTURE_PER_TEST
@given(text=ANY_TEXT | st.sampled_from(["x" * 33, "x" * 65, "x" * 121, "x" * 2001]), args=WRITES)
def test_any_text_a_command_would_write(examples_anywhere: str, text: str, args: list[str]) -> None:
    """What PostgreSQL refuses (a value wider than its column, NUL) and what SQLite would keep
    whole is refused at the door; what fits is written."""
    if args[-1] == "--":
        _answered_or_refused(*args, text)
    else:
        _answered_or_refused(*args[:-1], f"{args[-1]}={text}")
