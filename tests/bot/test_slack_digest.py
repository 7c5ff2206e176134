"""The Monday digest end to end: a channel opts in with /digest, the scheduler's real triggers
fire at Monday 09:00 in the brand's timezone, and the outbox posts one message with the
details in its thread, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.bot.slack_fixtures import (
    NOW,
    VIEWER,
    SlackHarness,
    seed,
    slack_app,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.rows import count
from wipbot.bot.slack.text import blocks_to_text
from wipbot.demo.clock import ManualClock
from wipbot.demo.simulate import SimulatedScheduler
from wipbot.scheduler.digest import install_digest_jobs
from wipbot.scheduler.jobs import JobContext
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Alert,
    Brand,
    DigestSubscription,
    Gate,
    OutboxMessage,
    WeeklyDigest,
)
from wipbot.store.outbox import RetryLater

CHANNEL = "C0GENERAL"


@pytest.fixture
async def slack(sqlite_session_factory: SessionFactory) -> AsyncIterator[SlackHarness]:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        week = NOW - timedelta(days=3)
        session.add_all(
            [
                Alert(
                    brand_id=seeded.brand_id,
                    kind="late_risk",
                    subject="PO-2001-01",
                    summary="PO-2001: projected 8 days late (fabric late)",
                    opened_at=week,
                ),
                Alert(
                    brand_id=seeded.brand_id,
                    kind="qc_failed",
                    subject="PO-1042-01",
                    summary="final inspection failed",
                    opened_at=week - timedelta(days=20),
                    resolved_at=week,
                ),
                Alert(
                    brand_id=seeded.brand_id,
                    kind="missed_checkin",
                    subject="DAC1:2026-02-23",
                    summary="Dhaka Knit missed the check-in of 23 Feb",
                    opened_at=week,
                ),
                Alert(
                    brand_id=seeded.other_brand_id,
                    kind="late_risk",
                    subject="PO-9001-01",
                    summary="not Northwind's",
                    opened_at=week,
                ),
                Gate(
                    production_order_id=seeded.orders["PO-3003-01"],
                    status="requested",
                    requested_at=week,
                ),
            ]
        )
    async with FakeSlackApi() as fake, slack_app(fake, sqlite_session_factory) as harness:
        yield harness


async def digest_command(slack: SlackHarness, text: str, **kw: str) -> str:
    await slack.command("/digest", text, **kw)
    return str(slack.fake.responses[-1][1]["text"])


async def test_a_merchandiser_opts_the_channel_in_and_a_viewer_may_not(
    slack: SlackHarness,
) -> None:
    assert "does not get the Monday digest" in await digest_command(slack, "")
    refused = await digest_command(slack, "on", user=VIEWER)
    assert "Only a merchandiser or above" in refused
    assert await count(slack.sessions, DigestSubscription) == 0
    answer = await digest_command(slack, "on")
    assert "gets the Monday digest of Northwind: Mondays at 09:00 (UTC)" in answer
    assert "This channel gets" in await digest_command(slack, "")
    assert await count(slack.sessions, DigestSubscription) == 1
    assert "no longer gets" in await digest_command(slack, "off")
    assert await count(slack.sessions, DigestSubscription) == 0


async def run_scheduler(
    sessions: SessionFactory, start: datetime, until: datetime
) -> dict[str, int]:
    """Digests made, by job and time (`digest:1@2026-03-02T09:00`), over the simulated span."""
    clock = ManualClock(start)
    scheduler = SimulatedScheduler(clock)
    ctx = JobContext(sessions, clock=clock, scheduler=scheduler)
    install_digest_jobs(ctx)
    runs = await scheduler.run_until(until)
    return {f"{r.job_id}@{r.at.astimezone(UTC):%Y-%m-%dT%H:%M}": r.result for r in runs if r.result}


async def test_monday_digest_is_one_message_with_the_details_threaded(
    slack: SlackHarness,
) -> None:
    await digest_command(slack, "on")
    sunday = NOW - timedelta(hours=20, minutes=43)  # the hourly sweep runs at :17
    runs = await run_scheduler(slack.sessions, sunday, NOW + timedelta(hours=2))
    assert runs == {"digest:1@2026-03-02T09:00": 1}
    assert await slack.send_outbox() == 6

    headline, *thread = [m for m in slack.fake.messages if m.channel == CHANNEL]
    text = blocks_to_text(headline.blocks)
    assert "MONDAY DIGEST · NORTHWIND · WEEK OF 02 MAR 2026" in text
    assert "What moved: 1" in text and "New risks: 1" in text and "Resolved risks: 1" in text
    assert "Missed check-ins: 1" in text and "Gates waiting: 1" in text
    assert headline.thread_ts is None
    assert {m.thread_ts for m in thread} == {headline.ts}
    details = "\n".join(blocks_to_text(m.blocks) for m in thread)
    assert "PO-2001-01 PO-2001 · Dhaka Knit: not started → materials in" in details
    assert "projected 8 days late" in details and "final inspection failed" in details
    assert "Dhaka Knit missed the check-in" in details
    assert "PO-3003-01 PO-3003 · asked" in details
    assert "not Northwind's" not in details

    again = await run_scheduler(slack.sessions, NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    assert again == {}
    assert await count(slack.sessions, WeeklyDigest) == 1
    assert await slack.send_outbox() == 0


async def test_the_digest_follows_the_brands_timezone_and_waits_for_its_headline(
    slack: SlackHarness,
) -> None:
    await digest_command(slack, "on")
    async with transaction(slack.sessions) as session:
        brand = (await session.exec(select(Brand).where(Brand.name == "Northwind"))).one()
        brand.timezone = "America/New_York"
    # Monday 09:00 UTC is 04:00 in New York: nothing yet; 14:00 UTC is 09:00 there.
    early = await run_scheduler(
        slack.sessions, NOW - timedelta(minutes=43), NOW + timedelta(hours=4)
    )
    assert early == {}
    later = await run_scheduler(
        slack.sessions, NOW + timedelta(hours=4, minutes=10), NOW + timedelta(hours=6)
    )
    assert later == {"digest:1@2026-03-02T14:00": 1}
    async with slack.sessions() as session:
        digest = (await session.exec(select(WeeklyDigest))).one()
        queued = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    until = datetime.fromisoformat(digest.content["until"])
    assert until == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    kinds = [m.payload["kind"] for m in queued if m.chat_id == CHANNEL]
    assert kinds[0] == "digest" and set(kinds[1:]) == {"digest_detail"}
    assert slack.channel.transport is not None
    with pytest.raises(RetryLater, match="headline is not out yet"):
        await slack.channel.transport.deliver(queued[1])
    assert slack.fake.messages == []
