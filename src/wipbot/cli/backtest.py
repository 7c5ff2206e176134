"""`wipbot backtest`: how good the late-risk flags would have been on the brand's own history.

Every Monday between two dates, every production order is judged from what was known that day
(the judgement of `wipbot po list --as-of`), and the flags are scored against the real
ex-factory dates at a lead time, beside the plain overdue-milestone rule. docs/backtest.md
defines every figure.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from wipbot.handlers.alert_replay import Noise, replay_alerts
from wipbot.production.backtest import Flag, Score, mondays, score
from wipbot.production.backtest_model import Replay, replay
from wipbot.production.risk import RiskStatus
from wipbot.production.risk_model import FLAG_AT, weights_table
from wipbot.store.backtest import History, boards_on, judged, load_history, overdue_milestone
from wipbot.store.db import SessionFactory
from wipbot.store.importing.cells import parse_date
from wipbot.store.wip import BrandNotFound, OrderStatus, PoStatus, resolve_brand

from .common import JsonOption, console, fail, print_json, run, with_database

DEFAULT_LEAD_DAYS = 14
MAX_LEAD_DAYS = 365
"""A warning given more than a year ahead is no longer a lead a brand acts on."""
FLAGGED = frozenset({RiskStatus.AT_RISK, RiskStatus.LATE})
RULES: dict[str, Any] = {
    "wipbot at_risk|late": lambda o, _day: o.risk.status in FLAGGED,
    "wipbot late only": lambda o, _day: o.risk.status is RiskStatus.LATE,
    "plain overdue rule": overdue_milestone,
}
LEARNED = "wipbot learned p≥0.5"
CURVE = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


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
        DEFAULT_LEAD_DAYS,
        "--lead",
        min=0,
        max=MAX_LEAD_DAYS,
        help="Days before the committed date a flag counts.",
    ),
    brand: str | None = typer.Option(None, "--brand", help="Brand name; defaults to the only one."),
    train_from: str | None = typer.Option(
        None,
        "--train-from",
        help="Also learn from judgements since this day (e.g. last season's start); "
        "outcomes still count only once known.",
    ),
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
        since = _date("--train-from", train_from)
        report = run(
            with_database(lambda f: backtest(f, brand, first, last, lead, alert_every, since))
        )
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
    train_from: date | None = None,
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
        if train_from is not None and train_from > days[0]:
            raise BacktestError(f"--train-from {train_from} is after --from {days[0]}")
        if train_from is not None and history.first_checkin is not None:
            train_from = max(train_from, history.first_checkin)
        training = mondays(train_from, days[0] - timedelta(days=1)) if train_from else []
        earlier = [(day, board) async for day, board in boards_on(session, found.id, training)]
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
    learned = _learned(earlier + boards, history, days, last)
    flags[LEARNED] = learned.flags
    scores = [
        score(rule, history.outcomes, flags[rule], first_day=days[0], last_day=last, lead_days=lead)
        for rule in [*RULES, LEARNED]
    ]
    outcomes = {o.order: o for o in history.outcomes}
    noise = replay_alerts(alert_boards, history.records, outcomes, days_per_board=alert_every)
    report = report_json(found.name, days, last, lead, scores, noise, alert_every)
    report["model"] = _model_json(learned, len(days), train_from)
    report["model"]["curve"] = [
        {"flag_at": at, "recall": found.recall, "precision": found.precision}
        for at, found in _curve(learned, history, days[0], last, lead)
    ]
    return report


def _curve(
    learned: Replay, history: History, first: date, last: date, lead: int
) -> list[tuple[float, Score]]:
    """The learned rule scored at every probability of CURVE: its precision-recall curve."""
    return [
        (
            at,
            score(
                LEARNED,
                history.outcomes,
                _at(learned, at),
                first_day=first,
                last_day=last,
                lead_days=lead,
            ),
        )
        for at in CURVE
    ]


def _at(learned: Replay, flag_at: float) -> list[Flag]:
    """The learned rule's flags had it flagged at another probability (the rules' where no
    model existed): the precision-recall curve of the probability."""
    return [
        replace(f, raised=p >= flag_at)
        if (p := learned.probabilities.get((f.order, f.day))) is not None
        else f
        for f in learned.flags
    ]


def _learned(
    boards: list[tuple[date, list[PoStatus]]], history: History, days: list[date], last: date
) -> Replay:
    """The learned rule replayed: its fallback is wipbot at_risk|late."""
    rules = RULES["wipbot at_risk|late"]
    entries = [
        judged(day, status, order, _raised(rules, order, day))
        for day, board in boards
        for status in board
        for order in status.orders
    ]
    return replay(entries, history.known_outcomes(last), history.factories, days)


def _model_json(learned: Replay, days: int, train_from: date | None) -> dict[str, Any]:
    model = learned.last_model
    return {
        "flag_at": FLAG_AT,
        "train_from": None if train_from is None else train_from.isoformat(),
        "mondays_with_model": learned.model_days,
        "mondays": days,
        "last_trained_on_orders": None if model is None else model.orders,
        "last_trained_on_late": None if model is None else model.late,
        "weights": None if model is None else weights_table(model),
    }


def _flags(boards: list[tuple[date, list[PoStatus]]]) -> dict[str, list[Flag]]:
    flags: dict[str, list[Flag]] = {rule: [] for rule in RULES}
    for day, board in boards:
        for status in board:
            for order in status.orders:
                key = f"{status.po_number}/{order.number}"
                for rule, raised in RULES.items():
                    flags[rule].append(Flag(key, day, bool(_raised(raised, order, day))))
    return flags


def _raised(rule: Any, order: OrderStatus, day: date) -> bool:
    return bool(rule(order, day))


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
        "on the day",
        caption="flagged: orders flagged in time (of them late); lead: median days of warning "
        "for late orders; flags/wk: flags per order per week; on the day: recall / precision "
        "counting only the last judgement in time",
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
            f"{_figure(rule['on_the_day_recall'])} / {_figure(rule['on_the_day_precision'])}",
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
    model = report.get("model")
    if model:
        out.print(_model_words(model), highlight=False)


def _model_words(model: dict[str, Any]) -> str:
    """What the learned rule learned, in a line: when it spoke, and its largest weights."""
    head = (
        f"Learned rule: flags when p(late) ≥ {model['flag_at']:g}; a model existed on "
        f"{model['mondays_with_model']} of {model['mondays']} Mondays (before that, and when "
        "the history is thin, the rules decide)."
    )
    weights = model["weights"]
    if not weights:
        return head
    ranked = sorted(
        ((k, v) for k, v in weights.items() if k != "intercept"), key=lambda kv: -abs(kv[1])
    )
    listed = ", ".join(f"{k} {v:+.2f}" for k, v in ranked[:6])
    return (
        f"{head} Last fitted on {model['last_trained_on_orders']} finished orders "
        f"({model['last_trained_on_late']} late); largest weights per standard deviation: "
        f"{listed}."
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
