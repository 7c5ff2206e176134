"""Slowloris against `wipbot run` as a user starts it: request heads and bodies sent a byte at a
time, connections left idle, and more of them than it will keep open. Each is closed by its
deadline (configured short here through the WIPBOT_* settings) while signed webhooks on other
connections are answered; tests/bot/test_slow_clients.py has the same over both parsers."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fakes.graph_api import APP_SECRET
from tests.fakes.telegram_api import User
from wipbot.bot.whatsapp.signature import sign as whatsapp_signature

from .hostile_campaign import TELEGRAM_SECRET, Campaign, running_wipbot
from .slow_sockets import closed_by_server, open_partial, trickle

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEAD, BODY, KEEP_ALIVE, CAP = 2.0, 1.5, 1, 12
LATE = 0.8
"""How far past its deadline a connection may still be closed (the child shares the cores)."""
EARLY = 0.1
SETTINGS = {
    "WIPBOT_HEAD_TIMEOUT_SECONDS": str(HEAD),
    "WIPBOT_BODY_TIMEOUT_SECONDS": str(BODY),
    "WIPBOT_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE),
    "WIPBOT_MAX_CONNECTIONS": str(CAP),
}
TELEGRAM_HEAD = (
    "POST /telegram/webhook HTTP/1.1\r\nHost: wipbot\r\n"
    f"X-Telegram-Bot-Api-Secret-Token: {TELEGRAM_SECRET}\r\nContent-Type: application/json\r\n"
).encode()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Campaign]:
    async with running_wipbot(tmp_path_factory.mktemp("slowloris"), **SETTINGS) as running:
        yield running


def port_of(bot: Campaign) -> int:
    return int(bot.url.rsplit(":", 1)[1])


async def closed_counts(bot: Campaign) -> dict[str, int]:
    """`wipbot_connections_closed_total` by reason, from /metrics."""
    response = await bot.http.get(f"{bot.url}/metrics", headers={"Connection": "close"})
    assert response.status_code == 200
    found = re.findall(
        r'^wipbot_connections_closed_total\{reason="(\w+)"\} (\d+)$', response.text, re.M
    )
    return {reason: int(count) for reason, count in found}


async def closed_since(bot: Campaign, before: dict[str, int]) -> dict[str, int]:
    """The reasons counted since `before`, with how many."""
    after = await closed_counts(bot)
    assert after.keys() == before.keys()
    return {reason: n - before[reason] for reason, n in after.items() if n != before[reason]}


async def honest_update(bot: Campaign, user: User) -> int:
    """A signed Telegram update on a connection of its own; its status."""
    body = json.dumps(bot.telegram.text_update(user, "hello")).encode()
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "Connection": "close"},
    )
    return response.status_code


async def test_a_head_sent_a_byte_at_a_time_is_closed_while_webhooks_are_answered(
    bot: Campaign,
) -> None:
    before = await closed_counts(bot)
    assert set(before) == {
        "head_timeout",
        "body_timeout",
        "evicted",
        "refused",
        "head_too_large",
        "slow_reader",
    }
    slow = asyncio.create_task(trickle(port_of(bot), b"P", TELEGRAM_HEAD[1:] + b"X-Pad: a\r\n"))
    await asyncio.sleep(0.5)
    assert await honest_update(bot, User(5600000001, "Honest", "en")) == 200
    assert not slow.done()
    closed = await slow
    assert closed.answer == b""
    assert HEAD - EARLY <= closed.seconds <= HEAD + LATE
    assert await closed_since(bot, before) == {"head_timeout": 1}


async def test_a_body_sent_a_byte_at_a_time_gets_408(bot: Campaign) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": []}' * 4
    head = (
        "POST /whatsapp/webhook HTTP/1.1\r\nHost: wipbot\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {whatsapp_signature(APP_SECRET, body)}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    before = await closed_counts(bot)
    closed = await trickle(port_of(bot), head, body)
    assert closed.answer.startswith(b"HTTP/1.1 408 ")
    assert BODY - EARLY <= closed.seconds <= BODY + LATE
    assert await honest_update(bot, User(5600000002, "After", "en")) == 200
    assert "Exception in ASGI application" not in bot.output
    assert await closed_since(bot, before) == {"body_timeout": 1}


async def test_an_idle_connection_after_a_response_is_closed(bot: Campaign) -> None:
    before = await closed_counts(bot)
    closed = await trickle(port_of(bot), b"GET /healthz HTTP/1.1\r\nHost: wipbot\r\n\r\n", b"")
    assert closed.answer.startswith(b"HTTP/1.1 200 ")
    assert KEEP_ALIVE - EARLY <= closed.seconds <= KEEP_ALIVE + LATE
    assert await closed_since(bot, before) == {}  # uvicorn's keep-alive, not a slow head


async def test_more_slow_connections_than_the_cap_do_not_keep_a_webhook_out(
    bot: Campaign,
) -> None:
    port = port_of(bot)
    before = await closed_counts(bot)
    slow = [await open_partial(port, TELEGRAM_HEAD) for _ in range(CAP + 8)]
    try:
        assert await honest_update(bot, User(5600000003, "Crowded", "en")) == 200
        closed = await asyncio.gather(*(closed_by_server(reader, 0.3) for reader, _ in slow))
    finally:
        for _, writer in slow:
            writer.close()
    # long before their head deadline, the oldest made room: 8 past the cap, 1 for the webhook
    # (and perhaps 1 for the test client's kept-alive connection, if it was not closed yet)
    assert closed[:9] == [True] * 9
    assert closed[-(CAP - 2) :] == [False] * (CAP - 2)
    counted = await closed_since(bot, before)
    assert set(counted) == {"evicted"}  # none refused: every one of them only waited
    assert counted["evicted"] >= 9
