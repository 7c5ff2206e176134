"""Where the database is, read on its own: a command that only needs the database (`wipbot po
status`, the imports) does not define and validate every setting `wipbot run` reads.

It reads `DATABASE_URL` as `bot.config.Settings` does (the same name, default and `.env` file);
`tests/bot/test_cli_imports.py` checks that the two agree.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wipbot.store.db import DEFAULT_DATABASE_URL


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")


class HasDatabaseUrl(Protocol):
    """These settings, or the whole `Settings` (the demo passes its own)."""

    database_url: str
