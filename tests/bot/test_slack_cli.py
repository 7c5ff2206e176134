"""`wipbot gate` and `wipbot slack manifest` from the terminal."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from tests.bot.slack_fixtures import seed
from wipbot.cli.main import app
from wipbot.store.db import make_engine, make_session_factory


async def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        await seed(make_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def runner(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    asyncio.run(_seed(sqlite_url))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return CliRunner()


def test_gate_commands_tick_request_and_show_as_in_slack(runner: CliRunner) -> None:
    ticked = runner.invoke(
        app, ["gate", "check", "PO-1042-01", "golden", "--by", "Lan", "--brand", "Northwind"]
    )
    assert ticked.exit_code == 0, ticked.output
    assert "gate open" in ticked.output
    requested = runner.invoke(app, ["gate", "request", "PO-1042", "--brand", "Northwind"])
    assert requested.exit_code == 0, requested.output
    assert "gate requested" in requested.output
    missing = requested.output.split("missing:", 1)[1].split()
    assert missing == ["tech_pack_signed_off,", "bom_signed_off,", "fit_comments_captured"]
    shown = runner.invoke(app, ["gate", "show", "PO-1042-01", "--brand", "Northwind"])
    assert "✅ Golden sample approved and sealed — Lan" in shown.output
    assert "[ Approve ]  [ Reject ]" in shown.output


def test_gate_commands_fail_clearly(runner: CliRunner) -> None:
    unknown = runner.invoke(app, ["gate", "request", "PO-9001", "--brand", "Northwind"])
    assert unknown.exit_code == 1
    bad_item = runner.invoke(app, ["gate", "check", "PO-1042", "zipper", "--by", "x"])
    assert bad_item.exit_code == 1


def test_slack_manifest_for_a_public_url() -> None:
    result = CliRunner().invoke(app, ["slack", "manifest", "--public-url", "https://w.example"])
    assert result.exit_code == 0
    assert 'request_url: "https://w.example/slack/events"' in result.output
    assert 'command: "/po"' in result.output
