"""What a platform answers a send with is recorded within its column, on both databases.

An error's description (a NUL, a lone surrogate, pages of it) and the id of what was sent are the
platform's text, not ours: PostgreSQL refused a NUL or an over-long id in the outbox row, the
sender's whole batch of results failed with it, and the message went out again and again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from tests.bot import telegram_fixtures as tg
from tests.bot import whatsapp_fixtures as wa
from tests.bot.slack_fixtures import ALERTS, seed, slack_app
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi
from wipbot.store.alerts import AlertKind, raise_alert
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert, OutboxMessage

LONG = "x" * 5000
NUL = "\x00"
SURROGATE = "\ud800"


@dataclass(frozen=True)
class Sent:
    """What one send left behind: the outbox row, and how often the platform was asked."""

    row: OutboxMessage
    calls: int


async def _row(sessions: SessionFactory, **where: Any) -> OutboxMessage:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return (await session.exec(query)).first() or OutboxMessage(platform="?", chat_id="?")


async def telegram(sessions: SessionFactory, error: str | None, answered_id: str | None) -> Sent:
    assert answered_id is None, "Telegram's message ids are integers"
    async with (
        FakeTelegramApi() as fake,
        tg.running_bot(fake, sessions, tg.Clock()) as bot,
    ):
        if error is not None:
            fake.fail_next("sendMessage", 400, description=f"Bad Request: {error}")
        await bot.post(fake.text_update(tg.STRANGER, "hello"))
        await bot.flush()
        await bot.flush()  # nothing is sent again
        return Sent(await _row(sessions), len(fake.calls_to("sendMessage")))


async def whatsapp(sessions: SessionFactory, error: str | None, answered_id: str | None) -> Sent:
    async with FakeGraphApi() as fake, wa.running_bot(fake, sessions, wa.Clock()) as bot:
        if error is not None:
            fake.fail_next("messages", 400, description=f"(#100) {error}")
        if answered_id is not None:
            fake.answer_ids.append(answered_id)
        await bot.post(fake.text_notification(wa.STRANGER, "hello", at=bot.clock()))
        await bot.flush()
        await bot.flush()
        return Sent(await _row(sessions), len(fake.calls_to("messages")))


async def slack(sessions: SessionFactory, error: str | None, answered_ts: str | None) -> Sent:
    await seed(sessions)
    async with FakeSlackApi() as fake, slack_app(fake, sessions) as harness:
        if error is not None:
            fake.fail_next_with_error("chat.postMessage", error)
        if answered_ts is not None:
            fake.answer_ts.append(answered_ts)
        async with transaction(sessions) as session:
            await raise_alert(
                session,
                brand_id=1,
                kind=AlertKind.LATE_RISK,
                subject="PO-2001-01",
                summary="Projected ex-factory 2026-04-19",
                severity="critical",
                production_order_id=2,
            )
        await harness.send_outbox()
        await harness.send_outbox()
        async with sessions() as session:
            alert = (await session.exec(select(Alert))).one()
        if answered_ts is not None:
            assert (alert.slack_channel, alert.slack_ts) == (None, None)
        return Sent(await _row(sessions, chat_id=ALERTS), len(fake.calls_to("chat.postMessage")))


Platform = Callable[[SessionFactory, str | None, str | None], Awaitable[Sent]]


@pytest.mark.parametrize(
    ("platform", "error"),
    [
        (telegram, NUL),
        (telegram, SURROGATE),
        (telegram, LONG),
        (whatsapp, NUL),
        (whatsapp, LONG),
        (slack, f"channel_not_found{NUL}"),
        (slack, LONG),
    ],
    ids=[
        "telegram-nul",
        "telegram-surrogate",
        "telegram-long",
        "whatsapp-nul",
        "whatsapp-long",
        "slack-nul",
        "slack-long",
    ],
)
async def test_a_refusal_is_kept_readable_and_within_its_column(
    session_factory: SessionFactory, platform: Platform, error: str
) -> None:
    sent = await platform(session_factory, error, None)
    assert sent.row.status == "dead" and sent.calls == 1
    assert NUL not in sent.row.last_error and SURROGATE not in sent.row.last_error
    width = OutboxMessage.__table__.c.last_error.type.length  # type: ignore[attr-defined]
    assert len(sent.row.last_error) <= width
    if error == LONG:
        assert len(sent.row.last_error) == width and sent.row.last_error.endswith("x…")
    else:
        assert "\ufffd" in sent.row.last_error


@pytest.mark.parametrize(
    ("platform", "answered"),
    [
        (whatsapp, "wamid." + "A" * 300),
        (whatsapp, f"wamid.{NUL}"),
        (slack, "1700000000." + "9" * 40),
        (slack, f"1700000000.{NUL}"),
    ],
    ids=["whatsapp-long-id", "whatsapp-nul-id", "slack-long-ts", "slack-nul-ts"],
)
async def test_an_id_no_column_can_keep_is_not_kept_and_nothing_is_sent_twice(
    session_factory: SessionFactory, platform: Platform, answered: str
) -> None:
    sent = await platform(session_factory, None, answered)
    assert (sent.row.status, sent.row.platform_message_id, sent.calls) == ("sent", None, 1)
