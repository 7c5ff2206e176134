"""`wipbot db`: the schema."""

from __future__ import annotations

import typer

from wipbot.store.migrate import current_heads

from .common import console, database, load_settings, run

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration."""
    settings = load_settings()

    async def upgraded() -> set[str]:
        async with database(settings):
            return await current_heads(settings.database_url)

    heads = ", ".join(sorted(run(upgraded())))
    console.print(f"database at revision {heads}")
