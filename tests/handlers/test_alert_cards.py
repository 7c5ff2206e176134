"""Thread replies: news only, and at most one a week per alert unless its status changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wipbot.handlers.alert_cards import AlertCard, detail_facts, news_since, snapshot
from wipbot.store.alerts import AlertKind

OPENED = datetime(2026, 11, 2, 9, tzinfo=UTC)


def card(
    at: datetime, *, status: str = "late", projected: str = "2026-12-10", **extra: Any
) -> AlertCard:
    details = {"status": status, "projected_exf": projected, "drivers": ["fabric late +9 d"]}
    return AlertCard(
        alert_id=1,
        brand_id=1,
        kind=AlertKind.LATE_RISK,
        subject="PO-1-A",
        severity="danger" if status == "late" else "warning",
        summary=f"{status} {projected}",
        facts=detail_facts(details),
        revision=2,
        opened_at=OPENED,
        updated_at=at,
        **extra,
    )


def test_news_after_the_post_gets_a_reply_at_once() -> None:
    posted = snapshot(card(OPENED))
    later = card(OPENED + timedelta(hours=3), projected="2026-12-16")
    assert news_since(posted, later) == ("Projected ex-factory: 2026-12-10 → 2026-12-16",)


def test_within_a_week_of_a_reply_only_a_status_change_is_news() -> None:
    replied = snapshot(card(OPENED + timedelta(days=1), projected="2026-12-16"), reply=True)
    two_days_on = OPENED + timedelta(days=3)
    assert news_since(replied, card(two_days_on, projected="2026-12-22")) == ()
    status_change = news_since(replied, card(two_days_on, status="at_risk"))
    assert "Risk: late → at risk" in status_change
    resolved = card(two_days_on, resolved_at=two_days_on, resolution="shipped")
    assert news_since(replied, resolved)[0] == "Resolved: shipped"


def test_a_week_after_the_reply_the_held_news_goes_out_together() -> None:
    replied = snapshot(card(OPENED + timedelta(days=1), projected="2026-12-16"), reply=True)
    week_on = card(OPENED + timedelta(days=8), projected="2026-12-22")
    assert news_since(replied, week_on) == ("Projected ex-factory: 2026-12-16 → 2026-12-22",)
