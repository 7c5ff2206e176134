"""`wipbot demo`, by the clock: three simulated weeks of the real jobs in a few seconds.

It runs on a copy of the demo database, so the acts after it see the data as it was. The jobs
are registered exactly as `wipbot run` registers them and fire when APScheduler's own triggers
say, on a manual clock; the outbox sender delivers to a transport that prints. The factories'
side is scripted: Rahim (DHK1) answers every prompt and reports fabric trouble on PO-1035-A
that gets worse and then clears; Wei (NGB1) stays silent for the first week's prompt until the
missed check-in reaches the brand, then answers.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from wipbot.handlers.checkin_draft import CheckinDraft, milestone_value
from wipbot.handlers.checkin_record import record_checkin
from wipbot.handlers.risk_scan import local_today, rescore_production_order
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue
from wipbot.scheduler.config import SchedulerConfig, SenderConfig
from wipbot.scheduler.jobs import (
    JobContext,
    install_jobs,
    load_slots,
    startup_jobs,
    sync_factory_jobs,
)
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import Alert, Contact, Factory, OutboxMessage, ProductionOrder
from wipbot.store.outbox import Delivered, Outbound

from .clock import ManualClock
from .simulate import SimulatedScheduler

IN = Milestone.MATERIALS_IN
STORY_ORDER = "PO-1035-A"
QUIET_ORDER = "PO-1044-A"
DEMO_CONFIG = SchedulerConfig(
    reminder_after=timedelta(hours=24),
    escalate_after=timedelta(hours=48),
    sweep_every=timedelta(hours=3),
    followup_every=timedelta(hours=1),
    risk_scan_every=timedelta(hours=24),
)

Write = Callable[[str], None]
PROMPT_ICONS = {
    "prompt": "📨 weekly prompt",
    "midweek": "📨 mid-week prompt",
    "reminder": "⏰ reminder",
}
"""The first message of each kind of prompt, by its outbox key's prefix."""


@dataclass(frozen=True)
class Report:
    """A scripted check-in: who, when (UTC), about which order, saying what."""

    at: datetime
    contact: str
    order: str
    draft: CheckinDraft

    def describe(self) -> str:
        issues = ", ".join(f"{i.flag.value} +{i.delay_days} d" for i in self.draft.issues)
        said = [milestone_value(self.draft.milestone), issues or "no issues", self.draft.note]
        return ", ".join(part for part in said if part)


def script(start: datetime) -> list[Report]:
    """The factories' side of the three weeks (the prompts' times follow from their slots)."""
    day = start.date()
    sunday = day + timedelta(days=(6 - day.weekday()) % 7 or 7)

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(sunday + timedelta(days=days), time(hour, minute), UTC)

    def fabric(days: int) -> tuple[ReportedIssue, ...]:
        return (ReportedIssue(IssueFlag.FABRIC_LATE, days),)

    rahim, wei = "Rahim", "Wei"
    return [
        Report(at(0, 5, 10), rahim, STORY_ORDER, CheckinDraft(None, issues=fabric(2))),
        Report(at(4, 3, 20), wei, QUIET_ORDER, CheckinDraft(IN)),
        Report(at(7, 4, 40), rahim, STORY_ORDER, CheckinDraft(None, issues=fabric(8))),
        Report(at(8, 2, 5), wei, QUIET_ORDER, CheckinDraft(IN)),
        Report(at(14, 4, 25), rahim, STORY_ORDER, CheckinDraft(IN, note="fabric arrived")),
        Report(at(15, 1, 55), wei, QUIET_ORDER, CheckinDraft(IN)),
    ]


@dataclass
class Narrator:
    """The transport of every platform: prints what would be sent, one line per event."""

    session_factory: SessionFactory
    clock: ManualClock
    write: Write
    first_new_id: int
    contacts: dict[tuple[str, str], str]
    platform: str = "any"
    others: Counter[str] = field(default_factory=Counter)

    async def deliver(self, message: Outbound) -> Delivered:
        assert message.id is not None
        if message.id >= self.first_new_id:
            await self._tell(message)
        return Delivered(f"demo-{message.id}")

    async def _tell(self, message: Outbound) -> None:
        when = stamp(self.clock())
        key = message.dedupe_key or ""
        if message.payload.get("kind") == "alert":
            async with self.session_factory() as session:
                alert = await session.get(Alert, int(message.payload["alert_id"]))
            if alert is None:
                return
            change = (
                "resolved" if alert.resolved_at else "new" if message.action == "send" else "update"
            )
            if alert.kind == "late_risk" and alert.subject != STORY_ORDER:
                self.others[change] += 1
                return
            detail = alert.details.get("resolution") if alert.resolved_at else alert.summary
            self.write(
                f"{when}  🔔 #alerts {change.upper()} {alert.kind} {alert.subject} "
                f"({alert.severity}): {detail}"
            )
        elif key.endswith(":0") and (icon := PROMPT_ICONS.get(key.split(":")[0])):
            who = self.contacts.get((message.platform, message.chat_id), message.chat_id)
            first_line = str(message.payload.get("text", "")).splitlines()[0]
            self.write(f"{when}  {icon} → {who}: “{first_line}”")


def _throwaway(dbapi_connection: Any, _record: Any) -> None:
    """The copy is deleted afterwards: no need to wait for the disk on every commit."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %H:%M UTC")


def copy_sqlite(database_url: str, into: Path) -> str:
    """A consistent copy even in WAL mode (SQLite's backup API), as a new URL."""
    source = make_url(database_url).database
    if not source:
        raise ValueError("the by-the-clock act needs a SQLite file database")
    target = into / "by-the-clock.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite+aiosqlite:///{target}"


async def by_the_clock(
    database_url: str, *, start: datetime, write: Write, weeks: int = 3
) -> dict[str, int]:
    """Run the act; returns the counts it printed at the end (for tests)."""
    workdir = Path(tempfile.mkdtemp(prefix="wipbot-clock-"))
    engine = make_engine(copy_sqlite(database_url, workdir))
    event.listen(engine.sync_engine, "connect", _throwaway)
    try:
        return await _run(make_session_factory(engine), start, write, weeks)
    finally:
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


async def _run(
    factory: SessionFactory, start: datetime, write: Write, weeks: int
) -> dict[str, int]:
    clock = ManualClock(start)
    scheduler = SimulatedScheduler(clock)
    async with factory() as session:
        first_new = ((await session.exec(select(func.max(OutboxMessage.id)))).first() or 0) + 1
        linked = (
            await session.exec(
                select(Contact, Factory)
                .join(Factory, col(Factory.id) == Contact.factory_id)
                .where(col(Contact.chat_id).is_not(None))
            )
        ).all()
    contacts = {(c.platform, c.chat_id or ""): f"{c.name} ({f.code})" for c, f in linked}
    narrator = Narrator(factory, clock, write, first_new, contacts)
    transports = {name: narrator for name in ("console", "telegram", "whatsapp", "slack")}
    sender = OutboxSender(
        factory,
        transports,
        config=SenderConfig(platform_limits={}, chat_limits={}),
        # store.alerts stamps its posts with the wall clock; the simulation may run behind it
        clock=lambda: max(clock(), datetime.now(UTC)),
        sleep=clock.sleep,
    )
    woken = [True]
    ctx = JobContext(
        factory, DEMO_CONFIG, clock, wake_sender=lambda: woken.append(True), scheduler=scheduler
    )
    install_jobs(ctx)
    sync_factory_jobs(ctx, await load_slots(ctx))
    for _, f in linked:
        write(f"  {f.code}: weekly check-in {_slot(f)} ({f.timezone})")
    write(f"{stamp(clock())}  ▶ scheduler started: jobs rebuilt from the tables, first risk scan")
    await startup_jobs(ctx)
    await sender.run_once()
    write(f"{'':22}  … {narrator.others['new']} late-risk alerts posted for the rest of the board")
    narrator.others.clear()

    async def send() -> None:
        """As in `wipbot run`: the sender acts when a job says it wrote something."""
        if woken:
            woken.clear()
            await sender.run_once()

    for report in sorted(script(start), key=lambda r: r.at):
        await scheduler.run_until(report.at, send)
        await _report(factory, report, write)
        woken.append(True)
        await send()
    await scheduler.run_until(start + timedelta(weeks=weeks), send)
    totals = dict(narrator.others)
    write(
        f"{stamp(clock())}  ■ three weeks later. Meanwhile the scans also posted "
        f"{totals.get('new', 0)} new, {totals.get('update', 0)} updated and "
        f"{totals.get('resolved', 0)} resolved late-risk alerts for other orders."
    )
    return totals


async def _report(factory: SessionFactory, report: Report, write: Write) -> None:
    """The factory answers through the same two calls the check-in conversation makes."""
    async with transaction(factory) as session:
        row = (
            await session.exec(
                select(Contact, ProductionOrder, Factory)
                .join(ProductionOrder, col(ProductionOrder.factory_id) == Contact.factory_id)
                .join(Factory, col(Factory.id) == Contact.factory_id)
                .where(Contact.name == report.contact)
                .where(ProductionOrder.number == report.order)
            )
        ).first()
        if row is None:
            write(f"{stamp(report.at)}  (no {report.order} for {report.contact}: skipped)")
            return
        contact, order, plant = row
        assert order.id is not None
        await record_checkin(session, contact, order, report.draft, report.at)
        await rescore_production_order(
            session, order.id, today=local_today(report.at, plant.timezone)
        )
    who = f"{report.contact} ({plant.code})"
    write(f"{stamp(report.at)}  👤 {who} reports {report.order}: {report.describe()}")


def _slot(factory: Factory) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"{names[factory.checkin_weekday]} {factory.checkin_time.strftime('%H:%M')}"


def demo_start(today: date) -> datetime:
    """After the earlier acts' check-ins (03:00 UTC) on the demo's pinned day."""
    return datetime.combine(today, time(6, 0), UTC)
