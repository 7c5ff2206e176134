"""Flood-limit storms and odd answers from the platforms, met by `wipbot run` over real HTTP.

A 429 is the platform saying "later": it must never spend one of the few attempts a message has
(WIPBOT_OUTBOX_MAX_ATTEMPTS, 2 here so a miscount shows at once), whatever the answer says about
how long to wait: nothing, zero, words, NaN, infinity, a proxy's page, or a wait no platform
means (10^12 seconds). Each storm below dead-lettered its message, or left it retried every
minute with a traceback and never delivered, before the transports and the sender read those
hints defensively. And a 2xx is the platform taking the message: one whose body lacked the id
we note down was sent a second time.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import pytest_asyncio
from aiohttp import web

from tests.bot.slack_fixtures import sign
from tests.fakes.graph_api import APP_SECRET
from tests.fakes.telegram_api import User
from tests.test_end_to_end import cli
from wipbot.bot.slack.render_gate import APPROVE_ACTION
from wipbot.bot.whatsapp.signature import sign as whatsapp_signature

from .hostile_campaign import TELEGRAM_SECRET, Answer, Campaign, json_answer, running_wipbot

pytestmark = pytest.mark.asyncio(loop_scope="module")

DELIVERY_TIMEOUT = 20.0
FLOOD_WAIT_CAP = timedelta(hours=1)
RETRY_WOULD_COME_WITHIN = 3.0
"""Backoff after a first failure is 1-2 s: a second send, had there been one, is in by then."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Campaign]:
    home = tmp_path_factory.mktemp("floods")
    settings = {"WIPBOT_OUTBOX_MAX_ATTEMPTS": "2", "WIPBOT_SLACK_CHANNEL_RATE": "10"}
    async with running_wipbot(home, **settings) as running:
        yield running


def telegram_429(**parameters: Any) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    if parameters:
        body["parameters"] = parameters
    return json_answer(429, body)


def html_429() -> web.Response:
    return web.Response(status=429, text="<html>slow down</html>", content_type="text/html")


def slack_429(retry_after: str | None) -> Answer:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return json_answer(429, {"ok": False, "error": "ratelimited"}, headers)


async def hello_on_telegram(bot: Campaign, user: User) -> None:
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        json=bot.telegram.text_update(user, "hello"),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code == 200


async def hello_on_whatsapp(bot: Campaign, number: str) -> None:
    body = json.dumps(bot.graph.text_notification(number, "hello", at=datetime.now(UTC))).encode()
    response = await bot.http.post(
        f"{bot.url}/whatsapp/webhook",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": whatsapp_signature(APP_SECRET, body),
        },
    )
    assert response.status_code == 200


async def settled(bot: Campaign, chats: list[str]) -> list[dict[str, Any]]:
    """Each chat's one message, once it is sent or given up (or the timeout passed)."""
    rows: list[dict[str, Any]] = []
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        while True:
            rows = [row for chat in chats for row in await bot.outbox(chat)]
            if len(rows) == len(chats) and all(r["status"] in ("sent", "dead") for r in rows):
                return rows
            await asyncio.sleep(0.25)


TELEGRAM_STORMS = {
    "retry_after 0": telegram_429(retry_after=0),
    "retry_after in words": telegram_429(retry_after="soon"),
    "no parameters": telegram_429(),
    "a proxy's page": html_429,
}


async def test_a_telegram_flood_limit_of_any_shape_spends_no_attempt(bot: Campaign) -> None:
    """Two 429s of each shape, each to its own chat, and the answer still arrives, once."""
    users = [User(5300000000 + i, "Stranger", "en") for i in range(len(TELEGRAM_STORMS))]
    for user, answer in zip(users, TELEGRAM_STORMS.values(), strict=True):
        bot.telegram.scripted.script("sendMessage", answer, times=2, chat=str(user.id))
    await asyncio.gather(*(hello_on_telegram(bot, user) for user in users))
    rows = await settled(bot, [str(user.id) for user in users])
    shapes = dict(zip(TELEGRAM_STORMS, rows, strict=True))
    assert {shape: row["status"] for shape, row in shapes.items()} == dict.fromkeys(
        TELEGRAM_STORMS, "sent"
    ), bot.output[-3000:]
    assert [len(bot.telegram.messages(user.id)) for user in users] == [1] * len(users)


async def test_a_telegram_wait_no_platform_means_is_capped_not_dead_lettered(
    bot: Campaign,
) -> None:
    user = User(5300000100, "Stranger", "en")
    bot.telegram.scripted.script("sendMessage", telegram_429(retry_after=10**12), chat=str(user.id))
    await hello_on_telegram(bot, user)
    rows: list[dict[str, Any]] = []
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        while not (rows and rows[0]["last_error"]):
            await asyncio.sleep(0.25)
            rows = await bot.outbox(str(user.id))
    assert (rows[0]["status"], rows[0]["attempts"]) == ("pending", 0)
    assert "Flood control" in rows[0]["last_error"]
    due = datetime.fromisoformat(rows[0]["next_attempt_at"]).replace(tzinfo=UTC)
    assert due <= datetime.now(UTC) + FLOOD_WAIT_CAP * 1.1
    assert "Traceback" not in bot.output


SLACK_STORMS = {
    "no Retry-After": slack_429(None),
    "Retry-After in words": slack_429("soon"),
    "Retry-After NaN": slack_429("nan"),
    "Retry-After infinite": slack_429("inf"),
}
GATE_ORDERS = ["PO-1033-A", "PO-1034-A", "PO-1035-A", "PO-1038-A"]


async def test_a_slack_flood_limit_of_any_shape_spends_no_attempt_nor_reorders(
    bot: Campaign,
) -> None:
    """Four gate requests queued for the approvals channel meet four 429s in a row, one of each
    shape (the first card meets them all): each card is posted once, in the order requested,
    and none is dead-lettered."""
    for answer in SLACK_STORMS.values():
        bot.slack.scripted.script("chat.postMessage", answer, chat="C0APPROVE")
    for order in GATE_ORDERS:
        await cli(bot.env, bot.home, "gate", "request", order)
    rows: list[dict[str, Any]] = []
    async with asyncio.timeout(DELIVERY_TIMEOUT * 2):
        while True:
            rows = [r for r in await bot.outbox("C0APPROVE") if "gate" in r["payload"]]
            if len(rows) == len(GATE_ORDERS) and all(r["status"] != "pending" for r in rows):
                break
            await asyncio.sleep(0.25)
    assert [r["status"] for r in rows] == ["sent"] * len(GATE_ORDERS), bot.output[-3000:]
    cards = [m.text for m in bot.slack.channel_messages("C0APPROVE")]
    posted = [next(o for o in GATE_ORDERS if o in text) for text in cards]
    assert posted == GATE_ORDERS
    assert "Traceback" not in bot.output


ODD_OK = {
    "telegram: ok without a message": json_answer(200, {"ok": True, "result": True}),
    "whatsapp: messages not a list": json_answer(
        200, {"messaging_product": "whatsapp", "messages": 5}
    ),
    "whatsapp: messages a mapping": json_answer(
        200, {"messaging_product": "whatsapp", "messages": {"id": "wamid.X"}}
    ),
}


async def test_a_send_the_platform_accepted_oddly_is_not_sent_again(bot: Campaign) -> None:
    telegram = User(5300000200, "Stranger", "en")
    numbers = ["4915112300001", "4915112300002"]
    bot.telegram.scripted.script(
        "sendMessage", ODD_OK["telegram: ok without a message"], chat=str(telegram.id)
    )
    bot.graph.scripted.script("messages", ODD_OK["whatsapp: messages not a list"], chat=numbers[0])
    bot.graph.scripted.script("messages", ODD_OK["whatsapp: messages a mapping"], chat=numbers[1])
    await asyncio.gather(
        hello_on_telegram(bot, telegram), *(hello_on_whatsapp(bot, n) for n in numbers)
    )
    chats = [str(telegram.id), *numbers]
    await settled(bot, chats)
    await asyncio.sleep(RETRY_WOULD_COME_WITHIN)
    assert [r["status"] for chat in chats for r in await bot.outbox(chat)] == ["sent"] * 3
    sends = {
        case: [c for c in fake.calls_to(method) if chat in json.dumps(c.params)]
        for case, chat, fake, method in zip(
            ODD_OK,
            chats,
            [bot.telegram, bot.graph, bot.graph],
            ["sendMessage", "messages", "messages"],
            strict=True,
        )
    }
    assert {case: len(calls) for case, calls in sends.items()} == dict.fromkeys(ODD_OK, 1)


VIEWER = "U0NOTAMEMBER"
STOP_WITHIN = 10.0


async def approve_button(bot: Campaign, order: str) -> str:
    """The gate request's Approve value, once the card is in the approvals channel."""
    await cli(bot.env, bot.home, "gate", "request", order)
    async with asyncio.timeout(15):
        while True:
            for message in bot.slack.channel_messages("C0APPROVE"):
                for block in message.blocks:
                    for element in block.get("elements", []):
                        if element.get("action_id") == APPROVE_ACTION:
                            return str(element["value"])
            await bot.slack.wait_for_call(
                "chat.postMessage", len(bot.slack.calls_to("chat.postMessage")) + 1
            )


async def click_approve(bot: Campaign, value: str, key: str) -> None:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0NORTHWIND", "domain": "northwind"},
        "user": {"id": VIEWER, "username": "viewer", "team_id": "T0NORTHWIND"},
        "api_app_id": "A0WIPBOT",
        "token": "legacy",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0APPROVE"},
        "trigger_id": f"{key}.2.trigger",
        "channel": {"id": "C0APPROVE", "name": "approvals"},
        "message": {"ts": "1.1", "text": "", "blocks": []},
        "response_url": bot.slack.response_url(key),
        "actions": [
            {
                "type": "button",
                "action_id": APPROVE_ACTION,
                "block_id": "b",
                "value": value,
                "action_ts": f"1700000100.{len(key):06d}{key}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = int(time.time())
    response = await bot.http.post(
        f"{bot.url}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp),
        },
    )
    assert response.status_code == 200


async def test_slacks_rate_limit_on_a_refusal_is_waited_out_only_when_brief(
    bot: Campaign,
) -> None:
    """Last in the file: it stops the process. A viewer's click on Approve is refused with an
    ephemeral message, sent by the listener itself. When Slack answered it 429 with an hour's
    Retry-After, slack_sdk's retry handler slept the hour inside the listener and SIGTERM could
    not stop the process (shutdown waits for listener work); with a Retry-After in words the
    SDK raised ValueError from its own handler."""
    value = await approve_button(bot, "PO-1039-A")

    limited = json_answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "soon"})
    bot.slack.scripted.script("chat.postEphemeral", limited)
    await click_approve(bot, value, "words")
    async with asyncio.timeout(10):
        while not any(key == "words" for key, _ in bot.slack.responses):
            await bot.slack.wait_for_call("response_url", len(bot.slack.responses) + 1)
    told = next(body for key, body in bot.slack.responses if key == "words")
    assert "nothing was changed" in told["text"]
    assert "ValueError" not in bot.output

    hour = json_answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3600"})
    bot.slack.scripted.script("chat.postEphemeral", hour)
    ephemerals = len(bot.slack.calls_to("chat.postEphemeral"))
    await click_approve(bot, value, "hour")
    async with asyncio.timeout(10):
        await bot.slack.wait_for_call("chat.postEphemeral", ephemerals + 1)
    started = time.monotonic()
    bot.process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_WITHIN):
            code = await bot.exited()
    except TimeoutError:
        pytest.fail(f"wipbot run still running {STOP_WITHIN} s after SIGTERM")
    assert code == 0, bot.output[-2000:]
    assert time.monotonic() - started < STOP_WITHIN
