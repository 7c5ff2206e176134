"""Alerts in the alerts channel through the outbox: posted once, updated in place, followed up in
the thread, visibly resolved; Slack's errors become retries or dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from tests.bot.slack_fixtures import ALERTS, APPROVER, NAMES, SlackHarness
from wipbot.bot.slack.text import blocks_to_text
from wipbot.store.alerts import AlertKind, raise_alert, resolve_alert
from wipbot.store.db import transaction
from wipbot.store.models import Alert, OutboxMessage

SUBJECT = "PO-2001-01"


def details(projected: str, slack_days: int) -> dict[str, Any]:
    return {
        "status": "late",
        "committed_exf": "2026-03-14",
        "projected_exf": projected,
        "slack_days": slack_days,
        "drivers": ["materials in reached 32 d after plan", "fabric late +20 d"],
    }


async def late(slack: SlackHarness, projected: str = "2026-04-19", slack_days: int = -36) -> None:
    async with transaction(slack.sessions) as session:
        await raise_alert(
            session,
            brand_id=1,
            kind=AlertKind.LATE_RISK,
            subject=SUBJECT,
            summary=f"Projected ex-factory {projected}, {-slack_days} days after the commitment",
            severity="critical",
            details=details(projected, slack_days),
            production_order_id=2,
        )


async def resolved(slack: SlackHarness) -> None:
    async with transaction(slack.sessions) as session:
        await resolve_alert(
            session,
            brand_id=1,
            kind=AlertKind.LATE_RISK,
            subject=SUBJECT,
            reason="back on track after air freight",
        )


def alert_text(slack: SlackHarness) -> str:
    [message] = slack.fake.channel_messages(ALERTS)
    return blocks_to_text(message.blocks)


async def outbox_rows(slack: SlackHarness) -> list[OutboxMessage]:
    async with slack.sessions() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.alert_id).is_not(None))
        return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())


async def test_a_raised_alert_is_posted_once_with_its_facts(slack: SlackHarness) -> None:
    await late(slack)
    assert await slack.send_outbox() == 1
    text = alert_text(slack)
    assert "🔴 Late risk: PO-2001-01" in text
    assert "Projected ex-factory: 2026-04-19" in text
    assert "Drivers: materials in reached 32 d after plan, fabric late +20 d" in text
    assert "Dhaka Knit · PO-2001" in text
    async with slack.sessions() as session:
        alert = (await session.exec(select(Alert))).one()
    assert (alert.slack_channel, alert.slack_ts) == (ALERTS, slack.fake.messages[0].ts)


async def test_a_change_updates_in_place_and_follows_up_in_the_thread(slack: SlackHarness) -> None:
    await late(slack)
    await slack.send_outbox()
    await late(slack, projected="2026-04-25", slack_days=-42)
    await slack.send_outbox()
    [message] = slack.fake.channel_messages(ALERTS)
    assert message.updates == 1
    assert "Projected ex-factory: 2026-04-25" in alert_text(slack)
    [followup] = slack.fake.thread(ALERTS, message.ts)
    follow_text = blocks_to_text(followup.blocks)
    assert "Update" in follow_text
    assert "Projected ex-factory: 2026-04-19 → 2026-04-25" in follow_text
    assert "Slack (days)" not in follow_text  # follows from the date: corrected in place only


async def test_a_daily_drift_is_corrected_in_place_without_a_thread_reply(
    slack: SlackHarness,
) -> None:
    await late(slack)
    await slack.send_outbox()
    for day, slack_days in ((20, -37), (21, -38)):
        await late(slack, projected=f"2026-04-{day}", slack_days=slack_days)
        await slack.send_outbox()
    [message] = slack.fake.channel_messages(ALERTS)
    assert message.updates == 2
    assert "Projected ex-factory: 2026-04-21" in alert_text(slack)
    assert slack.fake.thread(ALERTS, message.ts) == []

    # Two days of drift plus one more make three since the post: now that is news.
    await late(slack, projected="2026-04-22", slack_days=-39)
    await slack.send_outbox()
    [followup] = slack.fake.thread(ALERTS, message.ts)
    assert "Projected ex-factory: 2026-04-19 → 2026-04-22" in blocks_to_text(followup.blocks)


async def test_one_thread_reply_a_week_unless_the_status_changes(slack: SlackHarness) -> None:
    await late(slack)
    await slack.send_outbox()
    for projected, slack_days in (("2026-04-25", -42), ("2026-05-02", -49)):
        await late(slack, projected=projected, slack_days=slack_days)
        await slack.send_outbox()
    [message] = slack.fake.channel_messages(ALERTS)
    assert message.updates == 2
    assert "Projected ex-factory: 2026-05-02" in alert_text(slack)
    [followup] = slack.fake.thread(ALERTS, message.ts)  # the second slip waits for next week
    assert "2026-04-19 → 2026-04-25" in blocks_to_text(followup.blocks)

    await resolved(slack)
    await slack.send_outbox()
    assert len(slack.fake.thread(ALERTS, message.ts)) == 2  # a status change is always news


async def test_a_resolved_alert_reads_resolved(slack: SlackHarness) -> None:
    await late(slack)
    await slack.send_outbox()
    await resolved(slack)
    await slack.send_outbox()
    text = alert_text(slack)
    assert "✅ Resolved ~Late risk: PO-2001-01~" in text
    assert "back on track after air freight" in text
    [message] = slack.fake.channel_messages(ALERTS)
    [followup] = slack.fake.thread(ALERTS, message.ts)
    assert "Resolved: back on track after air freight" in blocks_to_text(followup.blocks)


async def test_a_burst_of_changes_ends_in_one_update_with_the_latest_state(
    slack: SlackHarness,
) -> None:
    await late(slack)
    await slack.send_outbox()
    await late(slack, projected="2026-04-22", slack_days=-39)
    await late(slack, projected="2026-04-25", slack_days=-42)
    await slack.send_outbox()
    assert len(slack.fake.calls_to("chat.update")) == 1
    assert "2026-04-25" in alert_text(slack)
    assert all(row.status == "sent" for row in await outbox_rows(slack))


async def test_a_change_before_the_first_post_is_posted_not_updated(slack: SlackHarness) -> None:
    await late(slack)
    await late(slack, projected="2026-04-25", slack_days=-42)
    await slack.send_outbox()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert slack.fake.calls_to("chat.update") == []
    assert "2026-04-25" in alert_text(slack)


@pytest.mark.parametrize(
    ("status", "error", "expected_status", "retry_after"),
    [
        (429, None, "pending", 30),
        (503, None, "pending", None),
        (200, "channel_not_found", "dead", None),
        (200, "not_in_channel", "dead", None),
        (200, "invalid_auth", "dead", None),
    ],
)
async def test_slack_errors_become_retries_or_dead_letters(
    slack: SlackHarness,
    status: int,
    error: str | None,
    expected_status: str,
    retry_after: int | None,
) -> None:
    if error:
        slack.fake.fail_next_with_error("chat.postMessage", error)
    else:
        slack.fake.fail_next("chat.postMessage", status, retry_after=retry_after)
    await late(slack)
    started = datetime.now(UTC)
    assert await slack.send_outbox() == 0
    [row] = await outbox_rows(slack)
    assert row.status == expected_status
    assert row.last_error
    if retry_after:
        assert row.next_attempt_at >= started + timedelta(seconds=retry_after)
    assert slack.fake.channel_messages(ALERTS) == []


async def test_alert_changes_refresh_the_members_home(slack: SlackHarness) -> None:
    await late(slack)
    await slack.send_outbox()
    await slack.send_outbox()
    assert set(slack.fake.home_views) == set(NAMES)
    home = blocks_to_text(slack.fake.home_views[APPROVER]["blocks"])
    assert "Late: 1" in home and "At risk: 1" in home and "On track: 1" in home
