"""`wipbot`: the command line. Each command group lives in its own module in this package.

The modules are imported only when their command runs: `wipbot --help` and the commands that
only read the database do not pay for importing Slack, Telegram, the scheduler and the web
server. The help lines below are what `wipbot --help` lists without importing anything.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from wipbot.store.fitting import UNSTORABLE


@dataclass(frozen=True)
class LazyCommand:
    module: str
    """A module of this package by its short name, or a full name such as `wipbot.demo.command`."""
    attribute: str
    help: str


COMMANDS: dict[str, LazyCommand] = {
    "run": LazyCommand(
        "serve", "run_command", "Serve every configured channel, the scheduler and the sender."
    ),
    "shell": LazyCommand(
        "shell",
        "shell_command",
        "Talk to the bot as a factory contact: type answers, or a button's number.",
    ),
    "outbox": LazyCommand(
        "outbox",
        "app",
        "Pending, retrying, unconfirmed and dead-lettered messages; `resend ID...` re-queues.",
    ),
    "cost": LazyCommand(
        "cost",
        "cost_command",
        "Landed cost per line: FOB, freight, insurance, duty, broker, other; margin vs selling.",
    ),
    "demo": LazyCommand(
        "wipbot.demo.command",
        "demo_command",
        "The whole loop on a fresh SQLite file, no tokens: import, check-ins, alerts, approvals.",
    ),
    "backtest": LazyCommand(
        "backtest",
        "backtest_command",
        "Replay the late-risk judgement every Monday and score it against real ex-factory dates.",
    ),
    "db": LazyCommand("db", "app", "Database schema."),
    "brand": LazyCommand("brand", "app", "Brands, their Slack workspace and members."),
    "contact": LazyCommand("contact", "app", "Factory contacts: invites and links."),
    "gate": LazyCommand("gate", "app", "Sample-to-bulk gates: request, checklist."),
    "slack": LazyCommand("slack", "app", "Slack app setup."),
    "import": LazyCommand(
        "importing",
        "app",
        "Import factories, POs, check-in history and charges (CSV or XLSX; all or nothing).",
    ),
    "po": LazyCommand("po", "app", "Purchase orders: status at a glance."),
    "prompt": LazyCommand("prompt", "app", "Weekly check-in prompts: send this week's now."),
    "qc": LazyCommand("qc", "app", "QC inspections (AQL, ISO 2859-1): record, list."),
    "season": LazyCommand("season", "app", "Simulated seasons for backtests and demos."),
    "report": LazyCommand(
        "report", "app", "Reports: defects per style, category and factory (--json, --csv)."
    ),
}


class LazyCommands(TyperGroup):
    """A group whose commands are imported when run, listed from COMMANDS when helping."""

    listing = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for arg in args:
            refuse_unstorable(arg)
        return list(super().parse_args(ctx, args))

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        eager = super().get_command(ctx, cmd_name)
        lazy = COMMANDS.get(cmd_name)
        if eager is not None or lazy is None:
            return eager
        if self.listing:
            return TyperCommand(name=cmd_name, help=lazy.help)
        command = load_command(cmd_name, lazy)
        STARTUP.loaded()
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


def refuse_unstorable(arg: str) -> None:
    """Refuse, before any command runs, an argument no command could keep or print: NUL, which
    PostgreSQL refuses in text, or a lone surrogate, which is how Python keeps argv bytes that
    are not UTF-8 and which no database or terminal encodes (the webhooks' UNSTORABLE)."""
    found = UNSTORABLE.search(arg)
    if found is None:
        return
    what = "a NUL character" if found.group() == "\x00" else "bytes that are not UTF-8"
    shown = ascii(arg[:40]) + ("…" if len(arg) > 40 else "")
    typer.echo(f"error: the argument {shown} contains {what}", err=True)
    raise typer.Exit(1)


def load_command(name: str, lazy: LazyCommand) -> Any:
    module = lazy.module if lazy.module.startswith("wipbot.") else f"wipbot.cli.{lazy.module}"
    found = getattr(import_module(module), lazy.attribute)
    command: Any
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


app = typer.Typer(
    name="wipbot",
    cls=LazyCommands,
    help="Production-order check-ins from factories, gate approvals and late-risk alerts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _wipbot() -> None:
    """Production-order check-ins from factories, gate approvals and late-risk alerts."""


class StartupCollection:
    """The cyclic garbage collector kept out of start-up and exit.

    Loading SQLAlchemy, SQLModel, pydantic and the tables makes a few hundred thousand objects
    that live as long as the process and almost no garbage, yet the collector walks them again
    and again while they load, and once more while the interpreter takes them apart at exit:
    a fifth of the CPU of `wipbot po status`. So collection is off until the command is loaded;
    what is loaded then is frozen (set aside for good) and collection resumes for the command's
    own work, which may be long (`wipbot run`, an import); at exit everything is frozen again.
    """

    def __init__(self) -> None:
        self.paused = False

    def pause(self) -> None:
        gc.disable()
        self.paused = True

    def loaded(self) -> None:
        if self.paused:
            gc.freeze()
            gc.enable()
            self.paused = False

    def exiting(self) -> None:
        gc.freeze()


STARTUP = StartupCollection()
"""Only `main` (the installed `wipbot` command) pauses it: code that calls `app` directly, such
as the tests, keeps the collector as it is."""


OUTPUT_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
"""Errors writing to where the output goes (a closed pipe, a full disk): the command's work is
done or refused already, so they are one line, not a traceback."""


def main() -> None:
    STARTUP.pause()
    try:
        app()
    except OSError as error:
        if error.errno not in OUTPUT_ERRORS:
            raise
        _quiet_stdout()
        if error.errno != errno.EPIPE:  # a reader that stopped reading (| head) wants no message
            print(f"error: could not write the output: {error.strerror}", file=sys.stderr)
        sys.exit(1)
    finally:
        STARTUP.exiting()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush on exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
