"""Where the database is: the one setting every command line reads, on its own.

`Settings` extends it with the channels, the clock and the sender; a command that only reads or
writes the database (`wipbot po status`, the imports) reads this alone and does not pay for
defining and validating the rest.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wipbot.store.db import DEFAULT_DATABASE_URL


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
