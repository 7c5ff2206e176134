"""`wipbot demo`: the whole loop on a fresh SQLite file, with no tokens.

The demo is a list of acts, each an `async def act(ctx: DemoContext) -> None` that opens with
`ctx.heading(...)`. Acts share one context (settings, sessions, console, the pinned date) and
run in order; later capabilities append their act to `ACTS`, so it stays one command.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from sqlmodel import select

from wipbot.bot.config import Settings
from wipbot.cli.common import console, database, fail, load_settings, run
from wipbot.cli.importing import import_file, print_summary
from wipbot.cli.po import board_table, show, status_view
from wipbot.demo.clock_act import by_the_clock, demo_start
from wipbot.demo.console_act import act_factory_checkin
from wipbot.demo.slack_act import act_slack
from wipbot.production.names import key
from wipbot.store.brands import upsert_brand
from wipbot.store.db import SessionFactory, is_sqlite, transaction
from wipbot.store.importing import ImportFailed
from wipbot.store.models import Brand
from wipbot.store.wip import po_status, wip_board

from .backtest_act import act_backtest
from .context import DEMO_BRAND, Act, DemoContext
from .qc_act import act_qc_and_landed_cost
from .quality_act import act_quality

DEMO_TODAY = date(2026, 11, 26)
DEMO_SLACK_TEAM = "T0NORTHWIND"
DEMO_ALERTS_CHANNEL = "C0ALERTS"
DEMO_APPROVALS_CHANNEL = "C0APPROVE"
DEMO_PO = "PO-1042"
EXAMPLE_FILES = (
    ("factories", "factories.csv"),
    ("pos", "pos.csv"),
    ("checkins", "checkins.csv"),
    ("charges", "charges.csv"),
)


async def act_spreadsheets_to_board(ctx: DemoContext) -> None:
    """The history kept in spreadsheets comes in, and the WIP board shows what needs attention."""
    ctx.heading(f"Spreadsheets in, WIP board out ({ctx.today.isoformat()})")
    async with transaction(ctx.sessions) as session:
        await upsert_brand(
            session,
            ctx.brand_name,
            slack_team_id=DEMO_SLACK_TEAM,
            alerts_channel=DEMO_ALERTS_CHANNEL,
            approvals_channel=DEMO_APPROVALS_CHANNEL,
            actor="demo",
        )
    for kind, name in EXAMPLE_FILES:
        result = await import_file(
            ctx.sessions, kind, _shown(ctx.examples / name), brand=ctx.brand_name, out=ctx.console
        )
        print_summary(result, ctx.console)
    brand_id = await ctx.brand_id()
    async with ctx.sessions() as session:
        board = await wip_board(session, brand_id, today=ctx.today)
        status = await po_status(session, brand_id, DEMO_PO, today=ctx.today)
    ctx.console.print()
    show(board_table(board, title=f"WIP board · {ctx.brand_name}"), ctx.console)
    if status is not None:
        ctx.console.print()
        ctx.console.print(f"[dim]$ wipbot po status {DEMO_PO}[/dim]")
        show(status_view(status), ctx.console)


async def act_by_the_clock(ctx: DemoContext) -> None:
    """Three simulated weeks of the real jobs: prompts, reminders, alerts raised and cleared."""
    ctx.heading("By the clock: three simulated weeks in seconds (on a copy of this database)")
    await by_the_clock(
        ctx.settings.database_url,
        start=demo_start(ctx.today),
        write=lambda line: ctx.console.print(line, markup=False, highlight=False),
    )


ACTS: list[Act] = [
    act_spreadsheets_to_board,
    act_factory_checkin,
    act_slack,
    act_qc_and_landed_cost,
    act_quality,
    act_by_the_clock,
    act_backtest,
]


def _shown(path: Path) -> Path:
    """Relative to the working directory when it can be, as a person would type it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def examples_dir() -> Path:
    """`examples/` of the source checkout, else of the working directory."""
    for candidate in (Path(__file__).resolve().parents[3] / "examples", Path.cwd() / "examples"):
        if (candidate / "pos.csv").is_file():
            return candidate
    raise FileNotFoundError("cannot find the examples/ directory with the sample files")


async def run_demo(
    settings: Settings,
    *,
    today: date = DEMO_TODAY,
    examples: Path | None = None,
    out: Console = console,
    acts: list[Act] | None = None,
) -> None:
    async with database(settings) as sessions:
        await _refuse_foreign_data(sessions)
        ctx = DemoContext(settings, sessions, out, today, examples or examples_dir())
        out.print(
            f"[bold]wipbot demo[/bold] · {settings.database_url} · pretending today is "
            f"{today.isoformat()}",
            highlight=False,
        )
        for act in ACTS if acts is None else acts:
            await act(ctx)


async def _refuse_foreign_data(sessions: SessionFactory) -> None:
    """The demo writes sample data: never into a database that holds a real brand."""
    async with sessions() as session:
        names = (await session.exec(select(Brand.name))).all()
    others = [n for n in names if key(n) != key(DEMO_BRAND)]
    if others:
        raise DemoRefused(
            f"this database already holds {', '.join(others)}; the demo needs its own: "
            "DATABASE_URL=sqlite+aiosqlite:///./demo.db wipbot demo (or `make demo`)"
        )


class DemoRefused(Exception):
    pass


def demo_command(
    today: str = typer.Option(DEMO_TODAY.isoformat(), "--today", hidden=True),
    examples: Path | None = typer.Option(None, "--examples", hidden=True),
) -> None:
    """The whole loop on a fresh SQLite file, no tokens: import, check-ins, alerts, approvals."""
    settings = load_settings()
    if not is_sqlite(settings.database_url):
        raise fail(
            "the demo runs on a SQLite file (its by-the-clock act works on a copy of it): "
            "DATABASE_URL=sqlite+aiosqlite:///./demo.db wipbot demo (or `make demo`)"
        )
    try:
        day = date.fromisoformat(today)
    except ValueError:
        raise fail(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
    try:
        run(run_demo(settings, today=day, examples=examples))
    except (DemoRefused, FileNotFoundError) as error:
        raise fail(str(error)) from None
    except ImportFailed as failed:
        raise fail("the sample files did not import:\n" + str(failed)) from None
