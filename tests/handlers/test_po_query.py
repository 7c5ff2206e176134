"""/po without Slack: what each request means and what it answers, within one brand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.bot.slack_fixtures import NOW, TODAY, seed
from wipbot.bot.slack.manifest import SLASH_COMMANDS
from wipbot.handlers.app_home import home_summary
from wipbot.handlers.po_query import (
    PoAnswer,
    PoCard,
    PoHelp,
    PoList,
    PoNotFound,
    answer_po,
    in_progress,
)
from wipbot.production.milestones import Milestone
from wipbot.store.db import SessionFactory
from wipbot.store.models import CheckIn, PurchaseOrder


@pytest.fixture
async def db(sqlite_session_factory: SessionFactory) -> SessionFactory:
    await seed(sqlite_session_factory)
    return sqlite_session_factory


async def answer(db: SessionFactory, text: str, brand_id: int = 1, today: date = TODAY) -> PoAnswer:
    async with db() as session:
        return await answer_po(session, brand_id, text, today=today)


def numbers(result: PoAnswer) -> list[str]:
    assert isinstance(result, PoList)
    return [s.po_number for s in result.statuses]


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("", PoHelp, None),
        ("help", PoHelp, None),
        ("factory", PoHelp, None),
        ("PO-1042", PoCard, "PO-1042"),
        ("po-1042", PoCard, "PO-1042"),
        ("PO-1042-01", PoCard, "PO-1042"),
        ("ＰＯ－１０４２", PoCard, "PO-1042"),
        ("PO-\u200b1042", PoCard, "PO-1042"),
        ("factory ＳＧＮ１", PoList, None),
        ("PO-9001", PoNotFound, None),
        ("late", PoList, None),
        ("factory SGN1", PoList, None),
        ("factory saigon", PoList, None),
        ("factory atlantis", PoNotFound, None),
    ],
)
async def test_what_each_request_means(
    db: SessionFactory, text: str, kind: type, detail: str | None
) -> None:
    result = await answer(db, text)
    assert isinstance(result, kind)
    if detail is not None:
        assert isinstance(result, PoCard)
        assert result.status.po_number == detail


def test_help_names_every_slash_command_in_the_manifest() -> None:
    named = {example.split()[0] for example, _ in PoHelp().commands}
    assert named == {command for command, _, _ in SLASH_COMMANDS}


async def test_late_lists_late_and_at_risk_most_urgent_first(db: SessionFactory) -> None:
    assert numbers(await answer(db, "late")) == ["PO-2001", "PO-3003"]


async def test_a_factory_shows_its_open_work_only(db: SessionFactory) -> None:
    assert numbers(await answer(db, "factory saigon")) == ["PO-3003", "PO-1042"]
    assert numbers(await answer(db, "factory DAC1")) == ["PO-2001"]


async def test_an_unknown_factory_suggests_the_brands_factories(db: SessionFactory) -> None:
    result = await answer(db, "factory dhaka knitting")
    assert isinstance(result, PoNotFound)
    assert result.what == "factory"
    assert result.suggestions == ("Dhaka Knit",)


async def test_an_unknown_po_suggests_close_numbers_of_this_brand_only(db: SessionFactory) -> None:
    result = await answer(db, "PO-900")
    assert isinstance(result, PoNotFound)
    assert "PO-9001" not in result.suggestions
    other = await answer(db, "PO-900", brand_id=2)
    assert isinstance(other, PoNotFound)
    assert other.suggestions == ("PO-9001",)


async def test_cancelled_and_shipped_pos_are_not_work_in_progress(db: SessionFactory) -> None:
    async with db() as session, session.begin():
        po = await session.get(PurchaseOrder, 2)
        assert po is not None
        po.status = "cancelled"
        session.add(
            CheckIn(
                production_order_id=1,
                source="telegram",
                reported_at=NOW - timedelta(hours=1),
                milestone=Milestone.SHIPPED.value,
                qty_shipped=1200,
            )
        )
    assert numbers(await answer(db, "late")) == ["PO-3003"]
    assert numbers(await answer(db, "factory saigon")) == ["PO-3003"]
    cancelled = await answer(db, "PO-2001")
    assert isinstance(cancelled, PoCard)
    assert not in_progress(cancelled.status)


async def test_the_home_counts_open_pos_by_risk_and_ranks_the_urgent(db: SessionFactory) -> None:
    async with db() as session:
        summary = await home_summary(session, 1, today=TODAY)
    assert (summary.late, summary.at_risk, summary.on_track) == (1, 1, 1)
    assert [s.po_number for s in summary.urgent] == ["PO-2001", "PO-3003", "PO-1042"]
