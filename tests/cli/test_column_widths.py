"""Text the commands keep, checked against the width of its column before anything is written:
PostgreSQL refuses a longer value (a traceback before), SQLite kept it whole."""

from __future__ import annotations

import json

from .conftest import EXAMPLES, refused, wipbot

LONG_NAME = "N" * 121
LONG_ID = "T" * 33


def _brands() -> list[dict[str, object]]:
    outcome = wipbot("brand", "list", "--json")
    assert outcome.code == 0, outcome.stderr
    brands: list[dict[str, object]] = json.loads(outcome.stdout)
    return brands


def test_brand_add_refuses_what_its_columns_cannot_hold(database: str) -> None:
    assert "NAME: 'NNNN" in refused("brand", "add", LONG_NAME)
    assert "NAME: must not be empty" in refused("brand", "add", " ")
    for option in ("--slack-team", "--alerts-channel", "--approvals-channel"):
        line = refused("brand", "add", "Acme", option, LONG_ID)
        assert line.endswith(f"{option}: {LONG_ID!r} is longer than 32 characters")
        assert f"{option}: must not be empty" in refused("brand", "add", "Acme", option, "")
    assert _brands() == []


def test_one_slack_workspace_belongs_to_one_brand(database: str) -> None:
    assert wipbot("brand", "add", "Acme", "--slack-team", "T1").code == 0
    line = refused("brand", "add", "Globex", "--slack-team", "T1")
    assert line == "error: --slack-team: 'T1' is already the workspace of brand 'Acme'"
    assert wipbot("brand", "add", "Acme", "--slack-team", "T1").code == 0  # its own: unchanged
    assert [b["name"] for b in _brands()] == ["Acme"]


def test_brand_member_refuses_what_its_columns_cannot_hold(database: str) -> None:
    assert wipbot("brand", "add", "Acme").code == 0
    assert "SLACK_USER: must not be empty" in refused("brand", "member", "Acme", "")
    assert "longer than 32 characters" in refused("brand", "member", "Acme", "U" * 33)
    line = refused("brand", "member", "Acme", "U1", "--name", LONG_NAME)
    assert "--name:" in line and "longer than 120 characters" in line
    assert _brands()[0]["members"] == []


def test_contact_and_gate_names_are_checked_before_writing(database: str) -> None:
    for kind in ("factories", "pos"):
        assert wipbot("import", kind, str(EXAMPLES / f"{kind}.csv")).code == 0
    line = refused("contact", "invite", "--factory", "HCM1", "--name", LONG_NAME)
    assert "--name:" in line and "longer than 120 characters" in line
    contacts = wipbot("contact", "list", "--json")
    assert contacts.code == 0 and json.loads(contacts.stdout) == []
    assert "longer than 64 characters" in refused("gate", "request", "PO-1036-A", "--by", "b" * 65)
    line = refused("gate", "check", "PO-1036-A", "golden", "--by", "b" * 121)
    assert "--by:" in line and "longer than 120 characters" in line


def test_brand_timezone_that_is_a_folder_or_too_long(database: str) -> None:
    """`America` is a folder of the zone database (zoneinfo raised IsADirectoryError), and a
    name past the file system's limit raised OSError, both as tracebacks."""
    line = refused("brand", "add", "Acme", "--timezone", "America")
    assert line == "error: unknown timezone 'America'; use an IANA name such as Europe/Berlin"
    assert "--timezone:" in refused("brand", "add", "Acme", "--timezone", "x" * 300)
    assert _brands() == []
