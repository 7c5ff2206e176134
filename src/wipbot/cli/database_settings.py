"""Where the database is, read on its own: a command that only needs the database (`wipbot po
status`, the imports) reads `DATABASE_URL` and nothing else.

It reads it as `bot.config.Settings` does (pydantic-settings): from the environment, the name in
any case; else from a `.env` file in the working folder; else the default. It does so without
pydantic-settings, whose import and model cost a one-shot command a few percent of its run;
`tests/bot/test_cli_imports.py` checks that the two agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from wipbot.store.db import DEFAULT_DATABASE_URL

NAME = "database_url"
ENV_FILE = ".env"


def read_database_url() -> str:
    found = _named(os.environ)
    if found is None and Path(ENV_FILE).is_file():
        from dotenv import dotenv_values

        try:
            found = _named(dotenv_values(ENV_FILE))
        except UnicodeDecodeError as error:
            raise EnvFileUnreadable(error) from None
    return DEFAULT_DATABASE_URL if found is None else found


class EnvFileUnreadable(ValueError):
    """The `.env` file is not UTF-8 text (both readers of it read UTF-8)."""

    def __init__(self, error: UnicodeDecodeError) -> None:
        byte = error.object[error.start : error.start + 1].hex()
        super().__init__(
            f"{ENV_FILE}: not UTF-8 text (byte 0x{byte} at position {error.start}); "
            "save it as UTF-8"
        )


def _named(values: Mapping[str, str | None]) -> str | None:
    """The value under NAME in any case (the last one met, as pydantic-settings keeps)."""
    found = None
    for name, value in values.items():
        if value is not None and name.lower() == NAME:
            found = value
    return found


@dataclass
class DatabaseSettings:
    database_url: str = field(default_factory=read_database_url)


class HasDatabaseUrl(Protocol):
    """These settings, or the whole `Settings` (the demo passes its own)."""

    database_url: str
