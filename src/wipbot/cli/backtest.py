"""`wipbot backtest`: how good the late-risk flags would have been on the brand's own history.

Every Monday between two dates, every production order is judged from what was known that day
(the judgement of `wipbot po list --as-of`), and the flags are scored against the real
ex-factory dates at a lead time, beside the plain overdue-milestone rule. docs/backtest.md
defines every figure.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from wipbot.handlers.alert_replay import Noise, replay_alerts
from wipbot.production.backtest import Flag, Score, mondays, score
from wipbot.production.risk import RiskStatus
from wipbot.store.backtest import boards_on, load_history, overdue_milestone
from wipbot.store.db import SessionFactory
from wipbot.store.importing.cells import parse_date
from wipbot.store.wip import BrandNotFound, OrderStatus, PoStatus, resolve_brand

from .common import JsonOption, console, fail, print_json, run, with_database

DEFAULT_LEAD_DAYS = 14
FLAGGED = frozenset({RiskStatus.AT_RISK, RiskStatus.LATE})
RULES: dict[str, Any] = {
    "wipbot at_risk|late": lambda o: o.risk.status in FLAGGED,
    "wipbot late only": lambda o: o.risk.status is RiskStatus.LATE,
    "plain overdue rule": overdue_milestone,
}


class BacktestError(Exception):
    """Nothing to backtest, or dates that make no sense; the message says which."""


def backtest_command(
    start: str | None = typer.Option(
        None, "--from", help="First day judged (default: the first check-in)."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Last day judged (default: the last check-in)."
    ),
    lead: int = typer.Option(
        DEFAULT_LEAD_DAYS, "--lead", min=0, help="Days before the committed date a flag counts."
    ),
    brand: str | None = typer.Option(None, "--brand", help="Brand name; defaults to the only one."),
    alert_every: int = typer.Option(
        7,
        "--alert-every",
        min=1,
        max=7,
        help="Replay the alert policy every N days (1: daily, as the scheduler; slower).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Replay the late-risk judgement every Monday and score it against real ex-factory dates."""
    try:
        first = _date("--from", start)
        last = _date("--to", end)
        report = run(with_database(lambda f: backtest(f, brand, first, last, lead, alert_every)))
    except (BacktestError, BrandNotFound) as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(report)
    else:
        print_report(report)


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise BacktestError(f"{option}: {error}") from None


async def backtest(
    sessions: SessionFactory,
    brand: str | None,
    first: date | None,
    last: date | None,
    lead: int,
    alert_every: int = 7,
) -> dict[str, Any]:
    """The whole report as plain JSON types."""
    async with sessions() as session:
        found = await resolve_brand(session, brand)
        assert found.id is not None
        history = await load_history(session, found.id)
        first = first or history.first_checkin
        last = last or history.last_checkin
        if first is None or last is None:
            raise BacktestError("no check-ins yet: import a check-in history first")
        if last < first:
            raise BacktestError(f"--to {last} is before --from {first}")
        days = mondays(first, last)
        if not days:
            raise BacktestError(f"no Monday between {first} and {last}")
        boards = [(day, board) async for day, board in boards_on(session, found.id, days)]
        alert_boards = boards
        if alert_every != 7:
            alert_days = [
                days[0] + timedelta(days=n)
                for n in range(0, (last - days[0]).days + 1, alert_every)
            ]
            alert_boards = [
                (day, board) async for day, board in boards_on(session, found.id, alert_days)
            ]
    flags = _flags(boards)
    scores = [
        score(rule, history.outcomes, flags[rule], first_day=days[0], last_day=last, lead_days=lead)
        for rule in RULES
    ]
    outcomes = {o.order: o for o in history.outcomes}
    noise = replay_alerts(alert_boards, history.records, outcomes, days_per_board=alert_every)
    return report_json(found.name, days, last, lead, scores, noise, alert_every)


def _flags(boards: list[tuple[date, list[PoStatus]]]) -> dict[str, list[Flag]]:
    flags: dict[str, list[Flag]] = {rule: [] for rule in RULES}
    for day, board in boards:
        for status in board:
            for order in status.orders:
                key = f"{status.po_number}/{order.number}"
                for rule, raised in RULES.items():
                    flags[rule].append(Flag(key, day, bool(_raised(raised, order))))
    return flags


def _raised(rule: Any, order: OrderStatus) -> bool:
    return bool(rule(order))


def report_json(
    brand: str,
    days: list[date],
    last: date,
    lead: int,
    scores: list[Score],
    noise: Noise,
    alert_every: int,
) -> dict[str, Any]:
    return {
        "brand": brand,
        "from": days[0].isoformat(),
        "to": last.isoformat(),
        "mondays": len(days),
        "lead_days": lead,
        "rules": [asdict(s) for s in scores],
        "alerts": {
            "replayed_every_days": alert_every,
            "posts": noise.posts,
            "edits": noise.edits,
            "thread_replies": noise.replies,
            "order_weeks": round(noise.order_weeks, 1),
            "posts_per_order_week": noise.posts_per_order_week,
            "replies_per_order_week": noise.replies_per_order_week,
        },
    }


def print_report(report: dict[str, Any], out: Console = console) -> None:
    first = report["rules"][0]
    out.print(
        f"[bold]Backtest[/bold] {report['brand']}: {report['mondays']} Mondays "
        f"{report['from']} .. {report['to']}, {first['orders']} production orders scored, "
        f"{first['late']} shipped late; flags count at ≥ {report['lead_days']} d before the "
        "committed date.",
        highlight=False,
    )
    table = Table(
        "rule",
        "recall",
        "precision",
        "flagged",
        "lead",
        "flags/wk",
        caption="flagged: orders flagged in time (of them late); lead: median days of warning "
        "for late orders; flags/wk: flags per order per week",
    )
    table.columns[0].no_wrap = True
    for rule in report["rules"]:
        lead = rule["median_lead_days"]
        table.add_row(
            rule["rule"],
            _figure(rule["recall"]),
            _figure(rule["precision"]),
            f"{rule['flagged']} ({rule['true_positives']})",
            "-" if lead is None else f"{lead:g} d",
            f"{rule['flags_per_order_week']:.2f}",
        )
    out.print(table)
    alerts = report["alerts"]
    out.print(
        f"Alerts channel (the real alert policy replayed every {alerts['replayed_every_days']} "
        f"d): {alerts['posts']} posts, "
        f"{alerts['thread_replies']} thread replies, {alerts['edits']} edits in place: "
        f"{alerts['posts_per_order_week']:.2f} posts and {alerts['replies_per_order_week']:.2f} "
        "replies per order per week.",
        highlight=False,
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
