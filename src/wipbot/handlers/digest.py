"""The Monday digest: one message per opted-in channel about the brand's last week.

What moved, new and resolved risks, missed check-ins and gates waiting: the headline in one
message, each section's details as a reply in its thread. The content is fixed when the digest
is made and stored with it; the outbox delivers the headline first, then the thread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.digest import moves, week_of, week_window
from wipbot.production.roles import Role
from wipbot.store import audit
from wipbot.store.alerts import AlertKind
from wipbot.store.brands import member_role
from wipbot.store.digest import (
    alerts_opened,
    alerts_resolved,
    gates_waiting,
    open_alerts,
    order_weeks,
    subscribed_channels,
    subscription,
)
from wipbot.store.models import Alert, Brand, DigestSubscription, WeeklyDigest
from wipbot.store.outbox import enqueue

DIGEST_KIND = "digest"
DIGEST_DETAIL_KIND = "digest_detail"
RISK_KINDS = [AlertKind.LATE_RISK.value, AlertKind.QC_FAILED.value, AlertKind.GATE_BREACH.value]
SECTIONS = ("moved", "new_risks", "resolved_risks", "missed_checkins", "gates_waiting")
SECTION_TITLES = {
    "moved": "What moved",
    "new_risks": "New risks",
    "resolved_risks": "Resolved risks",
    "missed_checkins": "Missed check-ins",
    "gates_waiting": "Gates waiting",
}
SUBSCRIBER_ROLE = Role.MERCHANDISER


@dataclass(frozen=True)
class DigestLine:
    """One detail: what it is about and what happened."""

    subject: str
    text: str


@dataclass(frozen=True)
class Digest:
    brand: str
    week_of: str
    since: str
    until: str
    sections: dict[str, list[DigestLine]]

    def count(self, section: str) -> int:
        return len(self.sections.get(section, []))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Digest:
        sections = {
            name: [DigestLine(**line) for line in data.get("sections", {}).get(name, [])]
            for name in SECTIONS
        }
        return Digest(data["brand"], data["week_of"], data["since"], data["until"], sections)


async def compose(session: AsyncSession, brand: Brand, now: datetime) -> Digest:
    """The brand's week up to this Monday 09:00 in its timezone."""
    assert brand.id is not None
    since, until = week_window(now, brand.timezone)
    moved = [
        DigestLine(
            m.order,
            f"{m.po_number} · {m.factory}: {_milestone(m.from_milestone)} → "
            f"{_milestone(m.to_milestone)}",
        )
        for m in moves(await order_weeks(session, brand.id, since, until))
    ]
    opened = await alerts_opened(session, brand.id, RISK_KINDS, since, until)
    resolved = await alerts_resolved(session, brand.id, RISK_KINDS, since, until)
    missed = await open_alerts(session, brand.id, AlertKind.MISSED_CHECKIN.value)
    gates = await gates_waiting(session, brand.id)
    zone = ZoneInfo(brand.timezone)
    return Digest(
        brand=brand.name,
        week_of=week_of(now, brand.timezone).isoformat(),
        since=since.isoformat(),
        until=until.isoformat(),
        sections={
            "moved": moved,
            "new_risks": [_alert_line(a) for a in opened],
            "resolved_risks": [_alert_line(a) for a in resolved],
            "missed_checkins": [_alert_line(a) for a in missed],
            "gates_waiting": [
                DigestLine(
                    order,
                    f"{po} · asked {asked.astimezone(zone):%a %d %b}" if asked else po,
                )
                for order, po, asked in gates
            ],
        },
    )


async def make_weekly_digests(
    session: AsyncSession, brand: Brand, now: datetime
) -> list[WeeklyDigest]:
    """This week's digest for each subscribed channel that has none yet, with its messages."""
    assert brand.id is not None
    channels = await subscribed_channels(session, brand.id)
    if not channels:
        return []
    week = week_of(now, brand.timezone)
    done = set(
        (
            await session.exec(
                select(WeeklyDigest.channel)
                .where(WeeklyDigest.brand_id == brand.id)
                .where(WeeklyDigest.week_of == week)
            )
        ).all()
    )
    wanted = [c for c in channels if c not in done]
    if not wanted:
        return []
    digest = await compose(session, brand, now)
    made = []
    for channel in wanted:
        row = WeeklyDigest(
            brand_id=brand.id, channel=channel, week_of=week, content=digest.to_json()
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        enqueue(
            session,
            "slack",
            channel,
            {"kind": DIGEST_KIND, "digest_id": row.id},
            dedupe_key=f"digest:{row.id}",
        )
        for section in SECTIONS:
            if digest.count(section):
                enqueue(
                    session,
                    "slack",
                    channel,
                    {"kind": DIGEST_DETAIL_KIND, "digest_id": row.id, "section": section},
                    dedupe_key=f"digest:{row.id}:{section}",
                )
        made.append(row)
    return made


async def set_subscription(
    session: AsyncSession, brand: Brand, channel: str, user: str, command: str
) -> str:
    """`/digest on|off|` in a channel: opt it in or out, or say whether it is in."""
    assert brand.id is not None
    current = await subscription(session, brand.id, channel)
    word = command.strip().lower()
    if word not in ("on", "off"):
        state = "gets" if current else "does not get"
        return (
            f"This channel {state} the Monday digest of {brand.name}. "
            "`/digest on` to opt in, `/digest off` to opt out."
        )
    role = await member_role(session, brand.id, user)
    if role is None or not Role(role).at_least(SUBSCRIBER_ROLE):
        return (
            f"Only a {SUBSCRIBER_ROLE.value} or above of {brand.name} can change the digest "
            "of a channel."
        )
    if word == "on":
        if current is None:
            session.add(DigestSubscription(brand_id=brand.id, channel=channel, subscribed_by=user))
        when = f"Mondays at 09:00 ({brand.timezone})"
        answer = f"This channel gets the Monday digest of {brand.name}: {when}."
    else:
        if current is not None:
            await session.delete(current)
        answer = f"This channel no longer gets the Monday digest of {brand.name}."
    audit.record(
        session,
        actor=user,
        action=f"digest.{word}",
        subject=channel,
        brand_id=brand.id,
    )
    return answer


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _alert_line(alert: Alert) -> DigestLine:
    return DigestLine(alert.subject, alert.summary or alert.kind.replace("_", " "))


def _milestone(name: str | None) -> str:
    return name.replace("_", " ") if name else "not started"
