"""/qc and /landed through the real web app and Bolt app: cards, sharing, estimate against
actual, and refusal of anyone who is not one of the brand's members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from tests.bot.slack_fixtures import (
    MERCHANDISER,
    NOW,
    OTHER_APPROVER,
    OTHER_TEAM,
    VIEWER,
    SlackHarness,
    seed,
    slack_app,
)
from tests.fakes.slack_api import FakeSlackApi
from wipbot.bot.slack.text import blocks_to_text
from wipbot.handlers.qc import PhotoRef, record_inspection
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import LandedCharge, PurchaseOrder, PurchaseOrderLine

STRANGER = "U0STRANGER"


async def inspect(
    sessions: SessionFactory,
    brand_id: int,
    defects: list[tuple[str, str, int]],
    *,
    hours: int,
    photos: tuple[PhotoRef, ...] = (),
) -> bool:
    async with transaction(sessions) as session:
        result = await record_inspection(
            session,
            brand_id=brand_id,
            production_order_number="PO-2001-01",
            kind="final",
            lot_size=800,
            defects=defects,
            inspector="Rahim",
            inspected_at=NOW + timedelta(hours=hours),
            photos=photos,
        )
        return result.passed


async def charge(sessions: SessionFactory, number: str, kind: str, amount: str, stage: str) -> None:
    async with transaction(sessions) as session:
        po = (
            await session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == number))
        ).one()
        assert po.id is not None
        session.add(
            LandedCharge(po_id=po.id, kind=kind, amount=Decimal(amount), basis="units", stage=stage)
        )


@pytest.fixture
async def slack(sqlite_session_factory: SessionFactory) -> AsyncIterator[SlackHarness]:
    seeded = await seed(sqlite_session_factory)
    failed = await inspect(
        sqlite_session_factory,
        seeded.brand_id,
        [("open seam", "major", 6), ("stain", "minor", 2)],
        hours=0,
        photos=(PhotoRef("telegram", "AgACAgQ-seam"),),
    )
    passed = await inspect(
        sqlite_session_factory, seeded.brand_id, [("stain", "minor", 3)], hours=30
    )
    assert (failed, passed) == (False, True)
    async with transaction(sqlite_session_factory) as session:
        line = (
            await session.exec(
                select(PurchaseOrderLine)
                .join(PurchaseOrder)
                .where(PurchaseOrder.po_number == "PO-2001")
            )
        ).one()
        line.selling_price = Decimal("12.00")
    async with FakeSlackApi() as fake, slack_app(fake, sqlite_session_factory) as harness:
        yield harness


async def ask(slack: SlackHarness, command: str, text: str, **kw: Any) -> dict[str, Any]:
    before = len(slack.fake.responses)
    response = await slack.command(command, text, **kw)
    assert response.status_code == 200
    assert len(slack.fake.responses) == before + 1
    return slack.fake.responses[-1][1]


def shown(answer: dict[str, Any]) -> str:
    return blocks_to_text(answer["blocks"]) if answer.get("blocks") else answer["text"]


async def test_qc_lists_inspections_with_verdicts_defects_by_category_and_photos(
    slack: SlackHarness,
) -> None:
    answer = await ask(slack, "/qc", "PO-2001", user=VIEWER)
    text = shown(answer)
    assert answer["response_type"] == "ephemeral"
    assert "QC · PO-2001" in text
    assert "Latest: final passed" in text
    assert text.count("final failed") == 1 and text.count("final passed") == 2
    assert "lot 800 · sample 80" in text
    assert "open seam (major) ×6" in text
    assert "stain: 5" in text and "open seam: 6" in text
    assert text.index("open seam: 6") < text.index("stain: 5")
    assert "Telegram `AgACAgQ-seam`" in text
    assert "[ Share in channel ]" in text


async def test_qc_of_an_order_without_inspections_and_of_an_unknown_one(
    slack: SlackHarness,
) -> None:
    assert "No inspections of PO-1042 yet" in shown(await ask(slack, "/qc", "PO-1042"))
    unknown = shown(await ask(slack, "/qc", "PO-200"))
    assert "No production order 'PO-200'" in unknown and "PO-2001-01" in unknown
    assert "Usage: `/qc PO-1042`" in shown(await ask(slack, "/qc", ""))


@pytest.mark.parametrize(
    ("command", "user", "team"),
    [
        ("/qc", STRANGER, "T0WIPBOT1"),
        ("/landed", STRANGER, "T0WIPBOT1"),
        ("/qc", OTHER_APPROVER, "T0WIPBOT1"),
        ("/landed", MERCHANDISER, OTHER_TEAM),
    ],
)
async def test_users_outside_the_brand_are_refused(
    slack: SlackHarness, command: str, user: str, team: str
) -> None:
    text = shown(await ask(slack, command, "PO-2001", user=user, team=team))
    assert "Only members of" in text and f"{user} --role viewer" in text
    assert "open seam" not in text and "Landed" not in text


async def test_share_posts_a_fresh_card_and_a_stranger_cannot_share(slack: SlackHarness) -> None:
    await ask(slack, "/qc", "PO-2001")
    await slack.click("qc_share", "PO-2001", user=VIEWER, channel="C0GENERAL")
    shared, deleted = slack.fake.responses[-2][1], slack.fake.responses[-1][1]
    assert shared["response_type"] == "in_channel"
    text = blocks_to_text(shared["blocks"], names={VIEWER: "Vic Lane"})
    assert "QC · PO-2001" in text and "shared by @Vic Lane" in text
    assert "Share in channel" not in text
    assert deleted["delete_original"] is True

    before = len(slack.fake.responses)
    await slack.click("landed_share", "PO-2001", user=STRANGER, channel="C0GENERAL")
    assert len(slack.fake.responses) == before + 1
    refused = slack.fake.responses[-1][1]
    assert refused["response_type"] == "ephemeral"
    assert "Only members of" in refused["text"]


async def test_landed_shows_cost_and_margin_per_line_and_estimate_against_actual(
    slack: SlackHarness,
) -> None:
    plain = shown(await ask(slack, "/landed", "PO-2001"))
    assert "4.20 USD per unit landed" in plain
    assert "No charges yet" in plain and "margin 7.80 USD (65.0 %)" in plain
    assert "Est." not in plain

    await charge(slack.sessions, "PO-2001", "freight", "400", "estimate")
    await charge(slack.sessions, "PO-2001", "duty", "80", "estimate")
    await charge(slack.sessions, "PO-2001", "insurance", "80", "actual")  # never estimated
    estimated = shown(await ask(slack, "/landed", "PO-2001"))
    assert "4.90 USD per unit landed" in estimated
    assert "Estimate against actual" not in estimated

    await charge(slack.sessions, "PO-2001", "freight", "560", "actual")
    compared = shown(await ask(slack, "/landed", "PO-2001"))
    assert "5.10 USD per unit landed" in compared
    assert "estimated 4.90, now 5.10 (+0.20 USD per unit)" in compared
    assert "still on estimate: duty" in compared
    assert "ST-2001/Navy" in compared and "Est." in compared
    assert "[ Share in channel ]" in compared


async def test_landed_for_an_unknown_po_suggests_close_ones(slack: SlackHarness) -> None:
    text = shown(await ask(slack, "/landed", "PO-20011"))
    assert "No PO 'PO-20011'" in text and "PO-2001" in text


async def test_app_home_has_a_quality_section_for_the_designers(slack: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": VIEWER, "channel": "D0HOME", "tab": "home"}
    response = await slack.event(event, event_id="EvQ01")
    assert response.status_code == 200
    text = blocks_to_text(slack.fake.home_views[VIEWER]["blocks"])
    assert "Quality · the loop back to design" in text
    assert "11 defects in 160 pieces sampled (6.88 per 100)" in text
    assert "first-pass yield of finals 0.00 %" in text
    assert "ST-2001 Crew tee · 6.88 per 100 · 11 defects in 2 inspection(s)" in text
    assert "Repeats across factories" not in text
