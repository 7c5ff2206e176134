"""The Slack test modules' fixtures: the fake Slack API and the seeded app talking to it.

The Telegram and WhatsApp modules define a `fake` of their own (their platform's fake API),
which takes precedence over this one in those modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.slack_fixtures import SlackHarness, seed, slack_app
from tests.fakes.slack_api import FakeSlackApi
from wipbot.store.db import SessionFactory


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        yield api


@pytest.fixture
async def slack(
    fake: FakeSlackApi, sqlite_session_factory: SessionFactory
) -> AsyncIterator[SlackHarness]:
    """The real web and Bolt apps over the two seeded brands (SQLite: Slack is the subject)."""
    await seed(sqlite_session_factory)
    async with slack_app(fake, sqlite_session_factory) as harness:
        yield harness
