"""/po through the real web app and Bolt app: cards, lists, suggestions, brand scoping."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import update

from tests.bot.slack_fixtures import OTHER_TEAM, VIEWER, SlackHarness
from tests.rows import count
from wipbot.bot.slack.text import blocks_to_text
from wipbot.store.db import transaction
from wipbot.store.models import Brand, SeenInbound


async def ask(slack: SlackHarness, text: str, **kw: Any) -> dict[str, Any]:
    """The ephemeral answer to `/po text`, posted to the command's response_url."""
    before = len(slack.fake.responses)
    response = await slack.command("/po", text, **kw)
    assert response.status_code == 200
    assert len(slack.fake.responses) == before + 1
    return slack.fake.responses[-1][1]


def shown(answer: dict[str, Any]) -> str:
    return blocks_to_text(answer["blocks"]) if answer.get("blocks") else answer["text"]


async def test_po_card_shows_status_dates_milestones_and_risk(slack: SlackHarness) -> None:
    answer = await ask(slack, "PO-3003", user=VIEWER)
    text = shown(answer)
    assert answer["response_type"] == "ephemeral"
    assert "PO-3003 · SAIGON STITCH" in text
    assert "Saigon Stitch (VN)" in text
    assert "500 pcs" in text
    assert "Committed ex-factory: Tue 21 Apr 2026" in text
    assert "Projected ex-factory: Thu 23 Apr 2026" in text
    assert "At risk" in text and "trims late +5 d" in text
    assert "Materials in" in text and "Sewing" in text and "Planned" in text
    assert "Trims late +5 d" in text
    assert "Last check-in: 1 day ago" in text
    assert "[ Share in channel ]" in text


async def test_missing_data_says_why_quietly_beside_the_status(slack: SlackHarness) -> None:
    lines = shown(await ask(slack, "PO-1042")).splitlines()
    assert "Last check-in: no check-in yet" in lines
    assert "Last check-in: 2 days ago" in shown(await ask(slack, "PO-2001")).splitlines()


async def test_po_late_lists_late_then_at_risk_and_leaves_out_on_track(slack: SlackHarness) -> None:
    text = shown(await ask(slack, "late"))
    assert text.index("PO-2001") < text.index("PO-3003")
    assert "PO-1042" not in text


async def test_po_factory_shows_that_factorys_wip_only(slack: SlackHarness) -> None:
    text = shown(await ask(slack, "factory dhaka"))
    assert "Dhaka Knit" in text and "PO-2001" in text
    assert "PO-1042" not in text and "PO-3003" not in text


async def test_unknown_po_gets_the_closest_matches(slack: SlackHarness) -> None:
    text = shown(await ask(slack, "PO-104"))
    assert "No PO matching" in text
    assert "PO-1042" in text


NORTHWIND_POS = ("PO-1042", "PO-2001", "PO-3003")


@pytest.mark.parametrize(
    ("team", "number", "visible", "foreign"),
    [
        ("T0WIPBOT1", "PO-1042", True, ("PO-9001",)),
        ("T0WIPBOT1", "PO-9001", False, ("PO-9001",)),
        (OTHER_TEAM, "PO-9001", True, NORTHWIND_POS),
        (OTHER_TEAM, "PO-1042", False, NORTHWIND_POS),
        (OTHER_TEAM, "late", True, NORTHWIND_POS),
    ],
)
async def test_every_answer_is_scoped_to_the_brand_of_the_team(
    slack: SlackHarness, team: str, number: str, visible: bool, foreign: tuple[str, ...]
) -> None:
    text = shown(await ask(slack, number, team=team))
    assert ("No PO matching" not in text) is visible
    suggestions_and_content = text.split("matching", 1)[-1].replace(f"`{number}`", "", 1)
    assert not [n for n in foreign if n in suggestions_and_content]


async def test_bare_po_gives_help_and_an_unknown_team_is_told_how_to_connect(
    slack: SlackHarness,
) -> None:
    assert "/po late" in shown(await ask(slack, ""))
    text = shown(await ask(slack, "PO-1042", team="T0NOBRAND"))
    assert "not connected to a brand" in text
    assert "--slack-team T0NOBRAND" in text


async def test_share_posts_a_fresh_card_in_channel_and_removes_the_ephemeral(
    slack: SlackHarness,
) -> None:
    await ask(slack, "PO-1042")
    response = await slack.click("po_share", "PO-1042", user=VIEWER, channel="C0GENERAL")
    assert response.status_code == 200
    shared, deleted = slack.fake.responses[-2][1], slack.fake.responses[-1][1]
    assert shared["response_type"] == "in_channel"
    text = blocks_to_text(shared["blocks"], names={VIEWER: "Vic Lane"})
    assert "PO-1042" in text and "shared by @Vic Lane" in text
    assert "Share in channel" not in text
    assert deleted["delete_original"] is True


async def test_po_answers_while_a_writer_holds_the_database(slack: SlackHarness) -> None:
    """/po only reads: it neither waits in the writer queue nor for SQLite's write lock, so a
    long check-in transaction does not hold it up (Slack never retries a slash command, so it
    records no delivery id either)."""
    async with transaction(slack.sessions) as writing:
        await writing.exec(update(Brand).values(buffer_days=Brand.buffer_days))  # type: ignore[call-overload]
        answer = await asyncio.wait_for(ask(slack, "PO-3003", user=VIEWER), timeout=10)
        assert "PO-3003 · SAIGON STITCH" in shown(answer)
    assert await count(slack.sessions, SeenInbound) == 0


async def test_a_slack_request_leaves_wipbots_own_log_level_alone(slack: SlackHarness) -> None:
    """Bolt sets the level of the logger named after its app on every request; it must not be
    the package's logger, or wipbot's INFO lines vanish once Slack has been used."""
    package = logging.getLogger("wipbot")
    before = package.level, list(package.handlers)
    package.setLevel(logging.INFO)
    try:
        await ask(slack, "PO-1042")
        assert package.level == logging.INFO
        assert package.handlers == before[1]
    finally:
        package.setLevel(before[0])
