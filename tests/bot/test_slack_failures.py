"""Slack after the ack: a database outage, stale buttons and broken modals are told, not lost."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest

from tests.bot.slack_fixtures import (
    APPROVER,
    MERCHANDISER,
    SlackHarness,
    gate_of,
    seed,
    slack_app,
)
from tests.fakes import listening_socket
from tests.fakes.slack_api import FakeSlackApi
from tests.rows import count
from wipbot.bot.slack.deps import delivery_key
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.models import GateChecklistItem, SeenInbound


@pytest.fixture
async def unreachable_database() -> AsyncIterator[SessionFactory]:
    """A PostgreSQL URL whose port nobody listens on: the database is down."""
    with listening_socket() as sock:
        port = sock.getsockname()[1]
    engine = make_engine(f"postgresql+asyncpg://wipbot@127.0.0.1:{port}/wipbot")
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("command", ["/po", "/gate"])
async def test_a_slash_command_during_a_database_outage_is_told_wipbot_is_unavailable(
    fake: FakeSlackApi,
    unreachable_database: SessionFactory,
    caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    async with slack_app(fake, unreachable_database) as slack:
        with caplog.at_level(logging.WARNING, logger="wipbot.slack"):
            response = await slack.command(command, "PO-1042")
    assert response.status_code == 200
    [(_, answer)] = fake.responses
    assert answer["response_type"] == "ephemeral"
    assert "briefly unavailable" in answer["text"]
    logged = [r for r in caplog.records if r.name == "wipbot.slack"]
    assert len(logged) == 1 and logged[0].exc_info is None


@pytest.mark.parametrize("value", ["abc", "", "1.5", "-3", "99999999999999999999999", "١٢"])
async def test_a_button_with_a_value_that_is_no_gate_id_is_told_and_changes_nothing(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    with caplog.at_level(logging.WARNING):
        response = await slack.click("gate_approve", value, user=APPROVER)
    assert response.status_code == 200
    assert "no longer valid" in slack.fake.responses[-1][1]["text"]
    assert await count(slack.sessions, SeenInbound) == 0
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("metadata", ["not json", "[1]", '{"gate_id": "x", "approve": true}'])
async def test_a_reason_modal_with_broken_metadata_is_acknowledged_and_told(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    opened = {
        "view": {
            "id": "V0BROKEN",
            "type": "modal",
            "callback_id": "gate_reason",
            "private_metadata": metadata,
        }
    }
    with caplog.at_level(logging.WARNING):
        response = await slack.submit_view(opened, "Shade band off", user=APPROVER)
    assert response.status_code == 200
    assert await count(slack.sessions, SeenInbound) == 0
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_reason_modal_without_its_input_block_asks_for_a_reason(
    slack: SlackHarness,
) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0NORTHWIND"},
        "user": {"id": APPROVER},
        "view": {
            "id": "V0X",
            "type": "modal",
            "callback_id": "gate_reason",
            "private_metadata": json.dumps({"gate_id": 1, "approve": False}),
            "state": {"values": {"elsewhere": {}}},
        },
    }
    response = await slack.interact(payload)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"


async def test_four_simultaneous_ticks_on_an_order_without_a_gate_are_all_recorded(
    fake: FakeSlackApi, session_factory: SessionFactory
) -> None:
    """Create-if-missing is one atomic step, on SQLite and on PostgreSQL."""
    await seed(session_factory)
    async with slack_app(fake, session_factory) as slack:
        items = ["golden", "techpack", "bom", "fit"]
        responses = await asyncio.gather(
            *(slack.command("/gate", f"PO-1042 done {item}", user=MERCHANDISER) for item in items)
        )
        assert [r.status_code for r in responses] == [200] * 4
        texts = [body["text"] for _, body in fake.responses]
        assert len(texts) == 4 and all("updated" in text for text in texts), texts
        _, rows = await gate_of(session_factory, 1)
        assert len(rows) == 4 and all(row.done for row in rows)
        assert await count(session_factory, GateChecklistItem) == 4


def test_a_delivery_id_longer_than_its_column_is_recorded_by_its_digest() -> None:
    long_id = "action:gate_approve:" + "9" * 300
    key = delivery_key(long_id)
    assert len(key) <= 128 and key == delivery_key(long_id) != delivery_key(long_id + "0")
    assert delivery_key("action:gate_approve:1.2:U1") == "action:gate_approve:1.2:U1"
