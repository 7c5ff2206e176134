"""The Slack channel as a whole: real HTTP, ack before work, App Home, Socket Mode, manifest."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from tests.bot.slack_fixtures import (
    APPROVER,
    NOW,
    SlackHarness,
    seed,
    sign,
    slack_app,
    slack_settings,
)
from tests.fakes import listening_socket
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackApi
from wipbot.bot.channel import ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.slack import SlackChannel, build_slack_channel
from wipbot.bot.slack.manifest import manifest, manifest_yaml
from wipbot.bot.slack.text import blocks_to_text
from wipbot.bot.web import build_web_app
from wipbot.production.clock import fixed_clock
from wipbot.store.db import SessionFactory

REPO = Path(__file__).resolve().parents[2]


def home_opened(user: str) -> dict[str, str]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}


async def test_app_home_shows_counts_and_the_most_urgent_first(slack: SlackHarness) -> None:
    response = await slack.event(home_opened(APPROVER), event_id="Ev001")
    assert response.status_code == 200
    text = blocks_to_text(slack.fake.home_views[APPROVER]["blocks"])
    assert "Late: 1" in text and "At risk: 1" in text and "On track: 1" in text
    assert text.index("PO-2001") < text.index("PO-3003") < text.index("PO-1042")


async def test_a_retried_event_acts_once(slack: SlackHarness) -> None:
    await slack.event(home_opened(APPROVER), event_id="Ev002")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    response = await slack.event(home_opened(APPROVER), event_id="Ev002", headers=retry)
    assert response.status_code == 200
    assert len(slack.fake.calls_to("views.publish")) == 1


async def test_a_workspace_without_a_brand_sees_how_to_connect(slack: SlackHarness) -> None:
    await slack.event(home_opened("U0SOMEONE"), event_id="Ev003", team="T0NOBRAND")
    assert "not connected to a brand" in blocks_to_text(
        slack.fake.home_views["U0SOMEONE"]["blocks"]
    )


async def test_the_ack_does_not_wait_for_slow_work(slack: SlackHarness) -> None:
    slack.fake.hold_responses = asyncio.Event()
    started = time.monotonic()
    body = "command=%2Fpo&text=late&team_id=T0WIPBOT1&user_id=U0VIEWER&trigger_id=1.2.3"
    body += "&response_url=" + slack.fake.response_url("slow")
    stamp = int(time.time())
    response = await slack.http.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp),
        },
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 3
    assert slack.fake.responses == []
    slack.fake.hold_responses.set()
    await slack.channel.deps.work.wait_idle()
    assert "PO-2001" in blocks_to_text(slack.fake.responses[0][1]["blocks"])


async def test_auth_test_is_called_once_at_start_not_per_request(slack: SlackHarness) -> None:
    await slack.command("/po", "late")
    await slack.command("/po", "PO-1042")
    assert len(slack.fake.calls_to("auth.test")) == 1


async def test_when_auth_test_failed_at_start_the_first_requests_ask_it_once_together(
    fake: FakeSlackApi, sqlite_session_factory: SessionFactory
) -> None:
    await seed(sqlite_session_factory)
    fake.fail_next_with_error("auth.test", "service_unavailable")
    async with slack_app(fake, sqlite_session_factory) as slack:
        answers = await asyncio.gather(*(slack.command("/po", "PO-1042") for _ in range(3)))
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert len(fake.calls_to("auth.test")) == 2
        assert len(fake.responses) == 3
        assert all("PO-1042" in blocks_to_text(r["blocks"]) for _, r in fake.responses)


async def test_the_bots_own_events_are_ignored(slack: SlackHarness) -> None:
    """Bolt learns the bot's user id from the identity wipbot hands it."""
    await slack.event(home_opened(BOT_USER_ID), event_id="Ev004")
    await slack.event(home_opened(APPROVER), event_id="Ev005")
    assert [c.params["user_id"] for c in slack.fake.calls_to("views.publish")] == [APPROVER]


async def test_signed_requests_over_real_http_through_uvicorn(
    fake: FakeSlackApi, sqlite_session_factory: SessionFactory
) -> None:
    await seed(sqlite_session_factory)
    context = ChannelContext(slack_settings(fake), sqlite_session_factory, clock=fixed_clock(NOW))
    channel = build_slack_channel(context)
    assert isinstance(channel, SlackChannel)
    await channel.start()
    sock = listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(build_web_app(sqlite_session_factory, [channel]), log_level="warning")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    body = (
        "command=%2Fpo&text=PO-1042&team_id=T0WIPBOT1&user_id=U0VIEWER&trigger_id=9.9.9"
        f"&response_url={fake.response_url('real')}"
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            stamp = int(time.time())
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(stamp),
            }
            forged = await client.post(
                "/slack/events",
                content=body,
                headers={**headers, "X-Slack-Signature": sign(body, stamp, "wrong")},
            )
            good = await client.post(
                "/slack/events",
                content=body,
                headers={**headers, "X-Slack-Signature": sign(body, stamp)},
            )
            await channel.deps.work.wait_idle()
    finally:
        server.should_exit = True
        await serving
        await channel.stop()
    assert forged.status_code == 401
    assert good.status_code == 200
    assert [key for key, _ in fake.responses] == ["real"]
    assert "PO-1042" in blocks_to_text(fake.responses[0][1]["blocks"])


async def test_socket_mode_is_built_with_the_app_level_token(
    fake: FakeSlackApi, sqlite_session_factory: SessionFactory
) -> None:
    settings = Settings(
        SLACK_BOT_TOKEN=SecretStr("xoxb-fake"),
        SLACK_APP_TOKEN=SecretStr("xapp-1-fake-app-token"),
        SLACK_API_URL=fake.api_url,
    )
    channel = build_slack_channel(ChannelContext(settings, sqlite_session_factory))
    assert isinstance(channel, SlackChannel)
    try:
        assert isinstance(channel.socket_mode, AsyncSocketModeHandler)
        assert channel.socket_mode.app_token == "xapp-1-fake-app-token"
        assert channel.socket_mode.client.web_client.base_url == fake.api_url
        assert channel.mode == "socket mode"
        assert channel.routes == []
    finally:
        await channel.stop()


def test_slack_is_off_without_a_bot_token(sqlite_session_factory: SessionFactory) -> None:
    settings = Settings(SLACK_SIGNING_SECRET=SecretStr("s"))
    assert build_slack_channel(ChannelContext(settings, sqlite_session_factory)) is None


def test_the_manifest_in_the_repo_is_the_generated_one_with_commands_events_and_home() -> None:
    assert (REPO / "slack" / "manifest.yml").read_text(encoding="utf-8") == manifest_yaml()
    data = manifest("https://bot.example.org/")
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {"/po", "/gate", "/qc", "/landed", "/digest"}
    assert {c["url"] for c in commands.values()} == {"https://bot.example.org/slack/events"}
    assert (
        data["settings"]["interactivity"]["request_url"] == "https://bot.example.org/slack/events"
    )
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert {"commands", "chat:write"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    socket_mode = manifest("https://unused", socket_mode=True)
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert "https://unused" not in str(socket_mode)
