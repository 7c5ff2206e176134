"""`wipbot db`: the schema."""

from __future__ import annotations

import typer

from wipbot.bot.config import Settings
from wipbot.store.migrate import current_heads, upgrade

from .common import console, run

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration."""
    url = Settings().database_url
    run(upgrade(url))
    heads = ", ".join(sorted(run(current_heads(url))))
    console.print(f"database at revision {heads}")
