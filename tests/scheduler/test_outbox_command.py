"""`wipbot outbox`: what waits, what keeps failing, what gave up, what went unconfirmed; --all
adds what went out."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from wipbot.cli.main import app
from wipbot.store.db import make_engine, make_session_factory, transaction
from wipbot.store.outbox import enqueue


async def fill(url: str) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with transaction(make_session_factory(engine)) as session:
            enqueue(session, "telegram", "100", {"kind": "reply", "text": "fresh"})
            retrying = enqueue(session, "slack", "C1", {"kind": "alert", "alert_id": 1})
            retrying.attempts, retrying.last_error = 2, "RetryLater: HTTP 502"
            retrying.next_attempt_at = now + timedelta(minutes=5)
            dead = enqueue(session, "whatsapp", "+8801", {"kind": "reply", "text": "x"})
            dead.status, dead.attempts = "dead", 8
            dead.last_error = "PermanentFailure: 400 recipient not in allowed list"
            unsure = enqueue(session, "telegram", "101", {"kind": "reply", "text": "slow"})
            unsure.status, unsure.attempts, unsure.sent_at = "unconfirmed", 1, now
            unsure.last_error = "Unconfirmed: sendMessage: Timed out: no answer within 20.0 s"
            sent = enqueue(session, "telegram", "100", {"kind": "reply", "text": "done"})
            sent.status, sent.attempts, sent.sent_at = "sent", 1, now
            sent.delivery_status, sent.delivery_status_at = "read", now
    finally:
        await engine.dispose()


@pytest.fixture
def runner(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    asyncio.run(fill(sqlite_url))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return CliRunner()


def test_lists_pending_retrying_dead_and_unconfirmed_as_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["state"], r["platform"], r["chat_id"], r["attempts"]) for r in rows] == [
        ("pending", "telegram", "100", 0),
        ("retrying", "slack", "C1", 2),
        ("dead", "whatsapp", "+8801", 8),
        ("unconfirmed", "telegram", "101", 1),
    ]
    assert rows[1]["last_error"] == "RetryLater: HTTP 502"
    assert rows[1]["next_attempt_at"] is not None
    assert rows[2]["next_attempt_at"] is None
    assert rows[3]["next_attempt_at"] is None and rows[3]["sent_at"] is not None


def test_all_includes_sent(runner: CliRunner) -> None:
    rows = json.loads(runner.invoke(app, ["outbox", "--all", "--json"]).output)
    assert [r["state"] for r in rows] == ["pending", "retrying", "dead", "unconfirmed", "sent"]


def test_json_shows_the_delivery_status_the_platform_reported(runner: CliRunner) -> None:
    rows = json.loads(runner.invoke(app, ["outbox", "--all", "--json"]).output)
    assert [r["delivery_status"] for r in rows] == [None, None, None, None, "read"]
    assert rows[4]["delivery_status_at"] is not None


def test_table_for_people(runner: CliRunner) -> None:
    result = runner.invoke(app, ["outbox"])
    assert result.exit_code == 0, result.output
    assert "dead 1, pending 1, retrying 1, unconfirmed 1" in result.output
    assert "recipient not in allowed list" in result.output
    assert "in 4 min" in result.output or "in 5 min" in result.output
