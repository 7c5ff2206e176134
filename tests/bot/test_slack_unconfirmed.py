"""Slack answering late: a post whose answer timed out is in the channel once and recorded
`unconfirmed`; what never reached Slack, and an update, are tried again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from tests.bot.slack_fixtures import ALERTS, SlackHarness, seed, slack_app
from tests.fakes.slack_api import FakeSlackApi
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import send_due, send_seconds
from wipbot.store.alerts import AlertKind, raise_alert
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage

TIMEOUT = 0.3


@pytest.fixture
async def impatient(
    fake: FakeSlackApi, sqlite_session_factory: SessionFactory
) -> AsyncIterator[SlackHarness]:
    """The seeded brands, with the outbox waiting `TIMEOUT` seconds for Slack's answers."""
    await seed(sqlite_session_factory)
    async with slack_app(
        fake, sqlite_session_factory, WIPBOT_SLACK_SEND_TIMEOUT_SECONDS=TIMEOUT
    ) as harness:
        yield harness


async def late(slack: SlackHarness, projected: str) -> None:
    async with transaction(slack.sessions) as session:
        await raise_alert(
            session,
            brand_id=1,
            kind=AlertKind.LATE_RISK,
            subject="PO-2001-01",
            summary=f"Projected ex-factory {projected}",
            severity="critical",
            details={"status": "late", "committed_exf": "2026-03-14", "projected_exf": projected},
            production_order_id=2,
        )


async def alert_rows(slack: SlackHarness) -> list[OutboxMessage]:
    async with slack.sessions() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.alert_id).is_not(None))
        return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())


async def send_later(slack: SlackHarness, hours: float) -> int:
    """The real sender once, `hours` from now: past any retry's wait."""
    assert slack.channel.transport is not None
    config = SenderConfig(chat_limits={}, platform_limits={}, concurrency=1)
    return await send_due(
        slack.sessions,
        {"slack": slack.channel.transport},
        config=config,
        clock=lambda: datetime.now(UTC) + timedelta(hours=hours),
    )


async def test_a_post_answered_after_the_timeout_is_in_the_channel_once(
    impatient: SlackHarness,
) -> None:
    impatient.fake.answer_late("chat.postMessage", 1.0)
    await late(impatient, "2026-04-19")
    assert await impatient.send_outbox() == 0

    [row] = await alert_rows(impatient)
    assert (row.status, row.attempts) == ("unconfirmed", 1)
    assert "no answer in time" in row.last_error
    assert row.sent_at is not None and row.claimed_until is None
    assert len(impatient.fake.calls_to("chat.postMessage")) == 1  # the SDK did not retry it

    assert await send_later(impatient, 2) == 0
    assert len(impatient.fake.channel_messages(ALERTS)) == 1
    assert len(impatient.fake.calls_to("chat.postMessage")) == 1
    assert [r.status for r in await alert_rows(impatient)] == ["unconfirmed"]


async def test_a_post_that_could_not_reach_slack_is_retried_and_posted_once(
    impatient: SlackHarness,
) -> None:
    await impatient.fake.stop()  # Slack unreachable: connections refused
    await late(impatient, "2026-04-19")
    assert await impatient.send_outbox() == 0
    [row] = await alert_rows(impatient)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "slack unreachable" in row.last_error and "Connect" in row.last_error

    await impatient.fake.start()  # back on the same port
    assert await send_later(impatient, 1) == 1
    assert len(impatient.fake.channel_messages(ALERTS)) == 1
    assert [r.status for r in await alert_rows(impatient)] == ["sent"]


async def test_an_update_answered_after_the_timeout_is_tried_again(
    impatient: SlackHarness,
) -> None:
    """chat.update is idempotent: done twice it shows the same card, so a lost answer is worth
    another try, and nothing new is posted."""
    await late(impatient, "2026-04-19")
    assert await impatient.send_outbox() == 1
    impatient.fake.answer_late("chat.update", 1.0)
    await late(impatient, "2026-04-25")
    await impatient.send_outbox()
    first, second = await alert_rows(impatient)
    assert (first.status, second.status, second.attempts) == ("sent", "pending", 1)
    assert "SocketTimeoutError" in second.last_error

    await send_later(impatient, 1)
    [message] = impatient.fake.channel_messages(ALERTS)
    assert message.updates == 2
    assert [r.status for r in await alert_rows(impatient)] == ["sent", "sent"]


def test_the_sender_starts_no_slack_request_it_cannot_see_end_within_its_lease(
    impatient: SlackHarness,
) -> None:
    """Opening the connection (10 s) and waiting for the answer: the lease a message needs."""
    assert impatient.channel.transport is not None
    assert send_seconds(impatient.channel.transport) == pytest.approx(10 + TIMEOUT)
