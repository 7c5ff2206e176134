"""Flood-limit storms from the platforms, met by `wipbot run` itself over real HTTP.

A 429 is the platform saying "later": it must never spend one of the few attempts a message has
(WIPBOT_OUTBOX_MAX_ATTEMPTS, 2 here so a miscount shows at once), whatever the answer says about
how long to wait: nothing, zero, a negative number, words, NaN, or a wait no platform means
(10^12 seconds). Each storm below dead-lettered its message, or left it retried every minute
with a traceback and never delivered, before the transports and the sender read those hints
defensively.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tests.fakes.graph_api import APP_SECRET
from tests.fakes.telegram_api import User
from tests.test_end_to_end import cli
from wipbot.bot.whatsapp.signature import sign as whatsapp_signature

from .hostile_campaign import Answer, Campaign, json_answer, running_wipbot

pytestmark = pytest.mark.asyncio(loop_scope="module")

DELIVERY_TIMEOUT = 20.0
FLOOD_WAIT_CAP = timedelta(hours=1)
ODD_OK_SETTLE = 3.0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Campaign]:
    home = tmp_path_factory.mktemp("floods")
    async with running_wipbot(home, WIPBOT_OUTBOX_MAX_ATTEMPTS="2") as running:
        yield running


def telegram_429(**parameters: Any) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    if parameters:
        body["parameters"] = parameters
    return json_answer(429, body)


def html_429() -> web.Response:
    return web.Response(status=429, text="<html>slow down</html>", content_type="text/html")


async def rows_for(bot: Campaign, chat_id: str) -> list[dict[str, Any]]:
    return [row for row in await bot.outbox() if row["chat_id"] == chat_id]


async def delivered_once(bot: Campaign, user: User) -> None:
    """The stranger's one answer arrives, exactly once, and the outbox holds no dead letter."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            while not bot.telegram.messages(user.id):
                sends = len(bot.telegram.calls_to("sendMessage"))
                await bot.telegram.wait_for_call("sendMessage", sends + 1)
    rows = await rows_for(bot, str(user.id))
    assert [row["state"] for row in rows] == ["sent"], (rows, bot.output[-3000:])
    assert len(bot.telegram.messages(user.id)) == 1


async def hello(bot: Campaign, user: User) -> None:
    update = bot.telegram.text_update(user, "hello")
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": "campaign-Webhook_secret-0123456789"},
    )
    assert response.status_code == 200


STORMS = {
    "retry_after 0": telegram_429(retry_after=0),
    "retry_after in words": telegram_429(retry_after="soon"),
    "no parameters": telegram_429(),
    "a proxy's page": html_429,
}


@pytest.mark.parametrize("storm", list(STORMS))
async def test_a_telegram_flood_limit_of_any_shape_spends_no_attempt(
    bot: Campaign, storm: str
) -> None:
    user = User(5300000000 + list(STORMS).index(storm), "Stranger", "en")
    bot.telegram.scripted.script("sendMessage", STORMS[storm], times=2)
    await hello(bot, user)
    await delivered_once(bot, user)


async def test_a_telegram_wait_no_platform_means_is_capped_not_dead_lettered(
    bot: Campaign,
) -> None:
    user = User(5300000100, "Stranger", "en")
    bot.telegram.scripted.script("sendMessage", telegram_429(retry_after=10**12))
    await hello(bot, user)
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        rows = await rows_for(bot, str(user.id))
        if rows and rows[0]["last_error"]:
            break
        await asyncio.sleep(0.3)
    assert [row["state"] for row in rows] == ["pending"], (rows, bot.output[-3000:])
    assert rows[0]["attempts"] == 0
    assert "Flood control" in rows[0]["last_error"]
    due = datetime.fromisoformat(rows[0]["next_attempt_at"])
    assert due <= datetime.now(UTC) + FLOOD_WAIT_CAP * 1.1
    assert "Traceback" not in bot.output


def slack_429(retry_after: str | None) -> Answer:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return json_answer(429, {"ok": False, "error": "ratelimited"}, headers)


SLACK_STORMS = {
    "no Retry-After": ("PO-1033-A", slack_429(None)),
    "Retry-After in words": ("PO-1034-A", slack_429("soon")),
    "Retry-After NaN": ("PO-1038-A", slack_429("nan")),
    "Retry-After infinite": ("PO-1043-A", slack_429("inf")),
}


@pytest.mark.parametrize("storm", list(SLACK_STORMS))
async def test_a_slack_flood_limit_of_any_shape_spends_no_attempt(
    bot: Campaign, storm: str
) -> None:
    """The gate request reaches the approvals channel once, after two 429s."""
    order, answer = SLACK_STORMS[storm]
    bot.slack.scripted.script("chat.postMessage", answer, times=2)
    await cli(bot.env, bot.home, "gate", "request", order)

    def posted() -> list[Any]:
        return [m for m in bot.slack.channel_messages("C0APPROVE") if order in m.text]

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            while not posted():
                posts = len(bot.slack.calls_to("chat.postMessage"))
                await bot.slack.wait_for_call("chat.postMessage", posts + 1)
    dead = [r for r in await bot.outbox() if r["state"] == "dead"]
    assert dead == [], (dead, bot.output[-3000:])
    assert len(posted()) == 1
    assert "Traceback" not in bot.output


ODD_OK = {
    "telegram: ok without a message": ("telegram", json_answer(200, {"ok": True, "result": True})),
    "whatsapp: messages not a list": (
        "whatsapp",
        json_answer(200, {"messaging_product": "whatsapp", "messages": 5}),
    ),
    "whatsapp: messages a mapping": (
        "whatsapp",
        json_answer(200, {"messaging_product": "whatsapp", "messages": {"id": "wamid.X"}}),
    ),
}


@pytest.mark.parametrize("case", list(ODD_OK))
async def test_a_send_the_platform_accepted_oddly_is_not_sent_again(
    bot: Campaign, case: str
) -> None:
    """A 2xx is the platform taking the message: one whose body lacks the id we would note
    down was sent a second time."""
    platform, answer = ODD_OK[case]
    index = list(ODD_OK).index(case)
    if platform == "telegram":
        chat = str(5300000200 + index)
        bot.telegram.scripted.script("sendMessage", answer)
        await hello(bot, User(int(chat), "Stranger", "en"))
        method, fake = "sendMessage", bot.telegram
    else:
        chat = f"49151123{index:05d}"
        bot.graph.scripted.script("messages", answer)
        notification = bot.graph.text_notification(chat, "hello", at=datetime.now(UTC))
        body = json.dumps(notification).encode()
        response = await bot.http.post(
            f"{bot.url}/whatsapp/webhook",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": whatsapp_signature(APP_SECRET, body),
            },
        )
        assert response.status_code == 200
        method, fake = "messages", bot.graph
    rows: list[dict[str, Any]] = []
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        while not rows or rows[0]["state"] != "sent":
            await asyncio.sleep(0.5)
            rows = await rows_for(bot, chat)
    await asyncio.sleep(ODD_OK_SETTLE)  # a retry, had there been one, comes within this
    assert [row["state"] for row in await rows_for(bot, chat)] == ["sent"]
    sends = [c for c in fake.calls_to(method) if chat in json.dumps(c.params)]
    assert len(sends) == 1, sends
