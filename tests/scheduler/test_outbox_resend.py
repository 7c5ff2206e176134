"""`wipbot outbox resend`: dead and unconfirmed messages back in the queue, all or nothing, and
then really sent, once, by the sender."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from wipbot.bot.telegram.channel import build_application
from wipbot.bot.telegram.transport import TelegramTransport
from wipbot.cli.main import app
from wipbot.handlers.messages import Reply, reply_to_payload
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import make_engine, make_session_factory, transaction
from wipbot.store.models import AuditLog, OutboxMessage
from wipbot.store.outbox import enqueue

UNCONFIRMED_ERROR = "Unconfirmed: sendMessage: Timed out: no answer within 20.0 s"
DEAD_ERROR = "PermanentFailure: 401 Unauthorized"


async def fill(url: str) -> dict[str, int]:
    """Chat 200: a dead message, then a later one that was sent; chat 201: an unconfirmed one;
    chat 300: one still pending. Returns their ids by text."""
    engine = make_engine(url)
    earlier = datetime.now(UTC) - timedelta(hours=1)
    try:
        async with transaction(make_session_factory(engine)) as session:
            dead = enqueue(session, "telegram", "200", reply_to_payload(Reply("gave up")))
            dead.status, dead.attempts, dead.last_error = "dead", 8, DEAD_ERROR
            dead.created_at = datetime.now(UTC) - timedelta(days=3)  # past the 24 h max age
            later = enqueue(session, "telegram", "200", reply_to_payload(Reply("went out")))
            later.status, later.attempts, later.sent_at = "sent", 1, earlier
            unsure = enqueue(session, "telegram", "201", reply_to_payload(Reply("slow")))
            unsure.status, unsure.attempts, unsure.sent_at = "unconfirmed", 1, earlier
            unsure.last_error = UNCONFIRMED_ERROR
            waiting = enqueue(
                session,
                "telegram",
                "300",
                reply_to_payload(Reply("waiting")),
                not_before=earlier + timedelta(days=1),
            )
            messages = [dead, later, unsure, waiting]
        return {str(m.payload["text"]): m.id for m in messages if m.id is not None}
    finally:
        await engine.dispose()


async def snapshot(url: str) -> tuple[list[dict[str, Any]], list[AuditLog]]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            rows = [m.model_dump() for m in (await session.exec(query)).all()]
            audit = (await session.exec(select(AuditLog).order_by(col(AuditLog.id)))).all()
        return rows, list(audit)
    finally:
        await engine.dispose()


async def send_twice(url: str) -> tuple[list[int], FakeTelegramApi]:
    """A real sender over the real Telegram client against the fake Bot API, run twice: what it
    sends each time."""
    engine = make_engine(url)
    sent = []
    try:
        async with FakeTelegramApi() as fake:
            application = build_application(TOKEN, fake.api_url, polling=False)
            await application.initialize()
            try:
                sender = OutboxSender(
                    make_session_factory(engine),
                    {"telegram": TelegramTransport(application.bot)},
                    config=SenderConfig(platform_limits={}, chat_limits={}),
                )
                sent = [await sender.run_once(), await sender.run_once()]
            finally:
                await application.shutdown()
        return sent, fake
    finally:
        await engine.dispose()


@pytest.fixture
def ids(db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return asyncio.run(fill(db_url))


def wipbot(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB itself
def test_dead_and_unconfirmed_go_back_to_pending_and_are_sent_once(
    ids: dict[str, int], db_url: str
) -> None:
    before = datetime.now(UTC)
    result = wipbot("outbox", "resend", str(ids["gave up"]), str(ids["slow"]), "--json")
    assert result.exit_code == 0, result.output
    queued = json.loads(result.stdout)
    assert [(r["id"], r["state"], r["attempts"]) for r in queued] == [
        (ids["gave up"], "pending", 0),
        (ids["slow"], "pending", 0),
    ]
    assert [r["last_error"] for r in queued] == [DEAD_ERROR, UNCONFIRMED_ERROR]
    assert all(r["sent_at"] is None for r in queued)

    rows, audit = asyncio.run(snapshot(db_url))
    by_id = {row["id"]: row for row in rows}
    for key in ("gave up", "slow"):
        for field in ("next_attempt_at", "created_at"):  # its age counts from the resend
            moment = by_id[ids[key]][field]
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            assert before <= moment <= datetime.now(UTC), (key, field)
    assert [(a.actor, a.action, a.subject, a.details["previous_status"]) for a in audit] == [
        ("cli", "outbox.resend", f"outbox:{ids['gave up']}", "dead"),
        ("cli", "outbox.resend", f"outbox:{ids['slow']}", "unconfirmed"),
    ]
    assert audit[1].details["last_error"] == UNCONFIRMED_ERROR
    first_written = datetime.fromisoformat(audit[0].details["created_at"])
    assert datetime.now(UTC) - first_written.replace(tzinfo=UTC) > timedelta(days=2)

    sent, fake = asyncio.run(send_twice(db_url))
    assert sent == [2, 0]  # "waiting" is not due yet; nothing goes twice
    assert len(fake.calls_to("sendMessage")) == 2
    assert [m.text for m in fake.messages("200")] == ["gave up"]  # its later one was sent
    assert [m.text for m in fake.messages("201")] == ["slow"]
    rows, _ = asyncio.run(snapshot(db_url))
    status = {row["id"]: (row["status"], row["attempts"]) for row in rows}
    assert status[ids["gave up"]] == status[ids["slow"]] == ("sent", 1)
    assert status[ids["waiting"]] == ("pending", 0)


@pytest.mark.parametrize(
    ("refused", "state"),
    [("waiting", "pending"), ("went out", "sent"), (None, "no such message")],
    ids=["pending", "sent", "unknown"],
)
def test_any_other_id_refuses_the_whole_command(
    ids: dict[str, int], db_url: str, refused: str | None, state: str
) -> None:
    before = asyncio.run(snapshot(db_url))
    other = ids[refused] if refused is not None else max(ids.values()) + 1000
    result = wipbot("outbox", "resend", str(ids["gave up"]), str(other), str(ids["slow"]))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert f"{other} ({state})" in lines[0] and "nothing was changed" in lines[0]
    assert str(ids["gave up"]) + " (" not in lines[0]  # only the refused id is named
    assert result.stdout == ""
    after = asyncio.run(snapshot(db_url))
    assert after[0] == before[0]
    assert after[1] == before[1] == []


def test_without_ids_it_shows_how_and_the_listing_is_unchanged(ids: dict[str, int]) -> None:
    result = wipbot("outbox", "resend")
    assert result.exit_code == 2
    assert "Usage: wipbot outbox resend [OPTIONS] {ID}..." in result.output
    assert "before the chat's newer pending messages" in wipbot("outbox", "resend", "--help").output
    rows = json.loads(wipbot("outbox", "--json").stdout)
    assert [(r["id"], r["state"]) for r in rows] == [
        (ids["gave up"], "dead"),
        (ids["slow"], "unconfirmed"),
        (ids["waiting"], "pending"),
    ]


def test_for_people_one_line_per_message(ids: dict[str, int], db_url: str) -> None:
    result = wipbot("outbox", "resend", str(ids["slow"]), str(ids["slow"]))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"outbox {ids['slow']} (telegram 201) queued again",
        "1 message(s) pending; `wipbot run` sends them",
    ]
    _, audit = asyncio.run(snapshot(db_url))
    assert len(audit) == 1  # the id given twice is re-queued once
