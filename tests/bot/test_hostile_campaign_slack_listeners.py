"""Slack's rate limit on an answer to a person, met by `wipbot run` over real HTTP.

A viewer's click on Approve is refused with an ephemeral message, sent by the listener itself.
When Slack answered that call 429 with an hour's Retry-After, slack_sdk's retry handler slept
the hour inside the listener, and SIGTERM could not stop the process (shutdown waits for
listener work); with a Retry-After in words the SDK raised ValueError from its own handler.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.bot.slack_fixtures import sign
from tests.test_end_to_end import cli
from wipbot.bot.slack.render_gate import APPROVE_ACTION

from .hostile_campaign import Campaign, json_answer, running_wipbot

pytestmark = pytest.mark.asyncio

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


async def test_an_hours_retry_after_on_a_refusal_does_not_hold_up_shutdown(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async with running_wipbot(tmp_path_factory.mktemp("listeners")) as bot:
        value = await approve_button(bot, "PO-1033-A")

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
