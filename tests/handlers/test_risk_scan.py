"""Late-risk alerts follow the risk engine: raised, updated in place, resolved, never doubled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import col, select

from tests import builders
from wipbot.handlers.risk_scan import (
    late_risk_alert_content,
    rescore_all,
    rescore_production_order,
    scan_brand,
)
from wipbot.production.risk import RiskStatus
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert, Contact, OutboxMessage, ProductionOrder, PurchaseOrder
from wipbot.store.wip import po_status

SUBJECT = "PO-7001-A"


@dataclass
class Scenario:
    factory: SessionFactory
    brand_id: int
    order_id: int
    contact_id: int

    async def report(
        self, day: date, milestone: str | None, issues: list[tuple[str, int]], **qty: int
    ) -> None:
        async with transaction(self.factory) as session:
            order = await session.get(ProductionOrder, self.order_id)
            person = await session.get(Contact, self.contact_id)
            assert order is not None
            at = datetime.combine(day, time(9), UTC)
            await builders.checkin(
                session, order, by=person, at=at, milestone=milestone, issues=issues, **qty
            )

    async def rescore(self, day: date) -> RiskStatus | None:
        async with transaction(self.factory) as session:
            risk = await rescore_production_order(session, self.order_id, today=day)
        return risk.status if risk else None

    async def alerts(self) -> list[Alert]:
        async with self.factory() as session:
            return list((await session.exec(select(Alert).order_by(col(Alert.id)))).all())

    async def posts(self) -> list[str]:
        async with self.factory() as session:
            rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
            return [m.action for m in rows.all() if m.platform == "slack"]


@pytest.fixture
async def scenario(session_factory: SessionFactory) -> Scenario:
    """An Istanbul factory (no public holiday in the weeks judged), ex-factory 16 Oct 2026."""
    async with transaction(session_factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(
            session, brand, code="IST1", country="TR", timezone="Europe/Istanbul"
        )
        person = await builders.contact(session, plant)
        order = await builders.order(
            session, brand, plant, po_number="PO-7001", committed_exf=date(2026, 10, 16)
        )
        assert brand.id and order.id and person.id
        return Scenario(session_factory, brand.id, order.id, person.id)


async def test_fabric_late_goes_at_risk_then_late_then_recovers(scenario: Scenario) -> None:
    # No T&A: the plan is derived, so materials are due at the latest on 17 Sep (ex-factory
    # 13 Oct less the fastest plausible 26 days).
    await scenario.report(date(2026, 9, 16), None, [("fabric_late", 4)])
    assert await scenario.rescore(date(2026, 9, 16)) is RiskStatus.AT_RISK
    [alert] = await scenario.alerts()
    assert (alert.kind, alert.subject, alert.severity) == ("late_risk", SUBJECT, "warning")
    assert alert.details["slack_days"] == -1
    assert alert.details["drivers"] == ["fabric late +4 d"]
    assert "at risk" in alert.summary and "2026-10-17" in alert.summary
    assert await scenario.posts() == ["send"]

    await scenario.report(date(2026, 9, 21), None, [("fabric_late", 5)])
    assert await scenario.rescore(date(2026, 9, 21)) is RiskStatus.LATE
    [alert] = await scenario.alerts()
    assert (alert.severity, alert.revision, alert.resolved_at) == ("danger", 2, None)
    assert alert.details["slack_days"] == -2
    assert await scenario.posts() == ["send", "update"]

    # Materials were still missing on 21 Sep (fabric 5 days late), and cutting reported on the
    # 25th with nothing cut yet proves no recovery: cutting begins 4 days after its plan and
    # still needs its 3 days. Finishing reached by 7 Oct, a day after its latest plan date,
    # does: the days are won back.
    await scenario.report(date(2026, 9, 25), "cutting", [], cut=0)
    assert await scenario.rescore(date(2026, 9, 25)) is RiskStatus.LATE
    [alert] = await scenario.alerts()
    assert alert.details["drivers"] == [
        "cutting 4 d behind plan (0 of 1,000 cut on 2026-09-25)",
        "cutting reached 4 d after plan (fabric late +5 d)",
        "sewing 1 d overdue",
    ]
    assert await scenario.posts() == ["send", "update", "update"]
    await scenario.report(date(2026, 10, 7), "finishing", [], cut=2000, sewn=2000)
    assert await scenario.rescore(date(2026, 10, 7)) is RiskStatus.ON_TRACK
    [alert] = await scenario.alerts()
    assert alert.resolved_at is not None
    assert alert.details["resolution"] == "back on track: 2 days slack"
    assert await scenario.posts() == ["send", "update", "update", "update"]


async def test_stale_data_is_named_by_the_day_last_heard_so_the_card_holds_still(
    scenario: Scenario,
) -> None:
    await scenario.report(date(2026, 9, 16), None, [("fabric_late", 10)])
    assert await scenario.rescore(date(2026, 9, 16)) is RiskStatus.AT_RISK
    [alert] = await scenario.alerts()
    assert alert.details["stale"] is False
    assert await scenario.rescore(date(2026, 9, 30)) is RiskStatus.AT_RISK
    [alert] = await scenario.alerts()
    assert alert.details["stale"] == "no check-in since 2026-09-16"
    posts = await scenario.posts()
    assert await scenario.rescore(date(2026, 10, 1)) is RiskStatus.AT_RISK
    assert await scenario.posts() == posts


async def test_repeated_scans_and_restarts_change_nothing(scenario: Scenario) -> None:
    await scenario.report(date(2026, 9, 2), None, [("fabric_late", 5)])
    results = []
    for _ in range(3):
        async with transaction(scenario.factory) as session:
            results.append(await rescore_all(session, today=date(2026, 9, 2)))
        await scenario.rescore(date(2026, 9, 2))
    # The check-in's own rescore changes nothing the scan judged from: the scan keeps it.
    assert [(r.assessed, r.kept, r.raised, r.updated, r.resolved) for r in results] == [
        (1, 0, 1, 0, 0),
        (0, 1, 0, 0, 0),
        (0, 1, 0, 0, 0),
    ]
    assert len(await scenario.alerts()) == 1
    assert await scenario.posts() == ["send"]


async def test_scan_and_as_of_judge_alike(scenario: Scenario) -> None:
    await scenario.report(date(2026, 8, 31), None, [("fabric_late", 2)])
    await scenario.report(date(2026, 9, 2), None, [("fabric_late", 5)])
    async with transaction(scenario.factory) as session:
        scanned = await rescore_production_order(session, scenario.order_id, today=date(2026, 9, 2))
    await scenario.report(date(2026, 9, 6), "cutting", [], cut=200)
    async with scenario.factory() as session:
        replay = await po_status(
            session, scenario.brand_id, "PO-7001", today=date(2026, 9, 20), as_of=date(2026, 9, 2)
        )
    assert replay is not None
    assert replay.orders[0].risk == scanned


@pytest.mark.parametrize("status", ["closed", "cancelled"])
async def test_an_order_no_longer_open_has_its_alert_resolved(
    scenario: Scenario, status: str
) -> None:
    await scenario.report(date(2026, 9, 21), None, [("fabric_late", 5)])
    assert await scenario.rescore(date(2026, 9, 21)) is RiskStatus.LATE
    async with transaction(scenario.factory) as session:
        order = await session.get(ProductionOrder, scenario.order_id)
        assert order is not None
        order.status = status
        session.add(order)
    async with transaction(scenario.factory) as session:
        result = await scan_brand(session, scenario.brand_id, today=date(2026, 9, 22))
    [alert] = await scenario.alerts()
    assert alert.resolved_at is not None
    assert alert.details["resolution"] == "no longer an open production order"
    assert result.resolved == 1


async def test_unknown_production_order_is_none(scenario: Scenario) -> None:
    async with transaction(scenario.factory) as session:
        assert await rescore_production_order(session, 999_999, today=date(2026, 9, 2)) is None


async def test_daily_scans_that_keep_judgements_raise_what_a_full_judgement_would(
    scenario: Scenario,
) -> None:
    """The scan skips orders whose judgement stands; day by day, its alert still says exactly
    what judging the order afresh says (at risk, then stale), and it does skip on most days."""
    await scenario.report(date(2026, 9, 16), None, [("fabric_late", 4)])
    kept = 0
    for offset in range(40):
        day = date.fromordinal(date(2026, 9, 16).toordinal() + offset)
        async with transaction(scenario.factory) as session:
            result = await rescore_all(session, today=day)
            status = await po_status(session, scenario.brand_id, "PO-7001", today=day)
            order = await session.get(ProductionOrder, scenario.order_id)
            assert status is not None and order is not None
            po = await session.get(PurchaseOrder, order.po_id)
            assert po is not None
        kept += result.kept
        [judged] = status.orders
        open_alerts = [a for a in await scenario.alerts() if a.resolved_at is None]
        if judged.risk.status is RiskStatus.ON_TRACK:
            assert open_alerts == [], day
        else:
            [alert] = open_alerts
            assert (alert.summary, alert.details) == late_risk_alert_content(
                order, po, status, judged
            ), day
    [alert] = await scenario.alerts()
    assert alert.details["stale"] and alert.revision >= 2
    assert kept > 10


async def test_a_check_in_edited_in_place_is_judged_again(scenario: Scenario) -> None:
    from wipbot.store.models import RiskJudgement

    await scenario.report(date(2026, 9, 16), "materials_in", [])
    async with transaction(scenario.factory) as session:
        await rescore_all(session, today=date(2026, 9, 16))
        assert await session.get(RiskJudgement, scenario.order_id) is not None
    from wipbot.store.risk_judgement_reset import forget

    async with transaction(scenario.factory) as session:
        await forget(session, [scenario.order_id])
    async with transaction(scenario.factory) as session:
        result = await rescore_all(session, today=date(2026, 9, 16))
    assert (result.assessed, result.kept) == (1, 0)
