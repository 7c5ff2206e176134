"""/slack/events under what a black-box fuzzer sent, correctly signed, on both databases.

Each case was a traceback in the log (and on PostgreSQL a failed query) for a body Slack never
sends: a NUL in a command, an id wider than its column, a button without a value, a reply URL
that is no URL, a channel given as a string, a Home event without its user. Now each is refused
at the door (400, nothing written) or answered in words, never logged as a failure.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr
from slack_sdk.socket_mode.request import SocketModeRequest
from sqlmodel import select

from tests.bot.slack_fixtures import (
    ADMIN,
    APPROVALS,
    APPROVER,
    MERCHANDISER,
    NOW,
    SlackHarness,
    form,
    seed,
    slack_app,
    slack_settings,
)
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi
from tests.rows import counts
from wipbot.bot.channel import ChannelContext
from wipbot.bot.slack.channel import SlackChannel, build_slack_channel
from wipbot.production.clock import fixed_clock
from wipbot.store.db import SessionFactory
from wipbot.store.models import AuditLog, DigestSubscription, Gate, SeenInbound


@pytest.fixture
async def hostile(
    fake: FakeSlackApi, session_factory: SessionFactory
) -> AsyncIterator[SlackHarness]:
    """The seeded brands on SQLite and on PostgreSQL: the failures were PostgreSQL's."""
    await seed(session_factory)
    async with slack_app(fake, session_factory) as harness:
        yield harness


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def written(slack: SlackHarness) -> dict[str, int]:
    return await counts(slack.sessions, SeenInbound, AuditLog, DigestSubscription, Gate)


@pytest.mark.parametrize("command", ["/po", "/qc", "/landed", "/gate"])
@pytest.mark.parametrize("text", ["PO-1042\x00", "\x00"])
async def test_a_command_with_a_nul_is_refused(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture, command: str, text: str
) -> None:
    before = await written(hostile)
    response = await hostile.command(command, text)
    assert response.status_code == 400
    assert await written(hostile) == before
    assert not failures(caplog)


async def test_a_button_value_with_a_lone_surrogate_is_refused(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """JSON carries one ("\\ud800"); a form cannot (its bytes would not be UTF-8)."""
    response = await hostile.click("po_share", "PO-\ud800", user=MERCHANDISER)
    assert response.status_code == 400
    assert not failures(caplog)


async def test_a_share_button_without_a_value_is_answered_not_logged_as_a_failure(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    for action in ("qc_share", "landed_share"):
        payload = hostile.action_payload(action, "", user=MERCHANDISER)
        del payload["actions"][0]["value"]
        response = await hostile.interact(payload)
        assert response.status_code == 200
    assert not failures(caplog)
    assert len(hostile.fake.responses) == 2  # each click got its answer


def reply_url_that_is_no_url(payload: dict[str, Any]) -> None:
    payload["response_url"] = "²"


def channel_as_a_string(payload: dict[str, Any]) -> None:
    payload["channel"] = APPROVALS


def without_its_reply_url(payload: dict[str, Any]) -> None:
    """Slack sends one with every button in a message; without it the answer had nowhere to
    go, and the listener failed."""
    del payload["response_url"]


@pytest.mark.parametrize(
    ("action", "value", "user", "break_payload"),
    [
        pytest.param(
            "po_share",
            "PO-1042",
            MERCHANDISER,
            reply_url_that_is_no_url,
            id="a-reply-url-that-is-no-url",
        ),
        pytest.param(
            "gate_approve",
            "1",
            APPROVER,
            channel_as_a_string,
            id="a-block-action-whose-channel-is-a-string",
        ),
        *(
            pytest.param(
                action,
                "PO-1042",
                APPROVER,
                without_its_reply_url,
                id=f"a-{action}-button-without-its-reply-url",
            )
            for action in ("po_share", "qc_share", "landed_share", "gate_approve")
        ),
    ],
)
async def test_a_button_payload_slack_never_sends_is_refused(
    hostile: SlackHarness,
    caplog: pytest.LogCaptureFixture,
    action: str,
    value: str,
    user: str,
    break_payload: Callable[[dict[str, Any]], None],
) -> None:
    before = await written(hostile)
    payload = hostile.action_payload(action, value, user=user)
    break_payload(payload)
    response = await hostile.interact(payload)
    assert response.status_code == 400
    assert await written(hostile) == before
    assert not failures(caplog)


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775807"])
async def test_a_gate_button_with_an_id_past_the_column_is_a_stale_button(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    before = await written(hostile)
    response = await hostile.click("gate_approve", value, user=APPROVER)
    assert response.status_code == 200
    assert not failures(caplog)
    [(_, answer)] = hostile.fake.responses
    assert "no longer valid" in answer["text"]
    assert await written(hostile) == before


async def test_a_home_opened_event_without_its_user_is_refused_and_not_recorded(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    before = await written(hostile)
    event = {"type": "app_home_opened", "tab": "home", "channel": "D0HOME", "event_ts": "1.1"}
    response = await hostile.event(event, event_id="Ev0NOUSER")
    assert response.status_code == 400
    assert await written(hostile) == before
    assert not failures(caplog)


async def test_digest_without_a_channel_says_where_to_use_it(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = form(
        {
            "command": "/digest",
            "text": "on",
            "user_id": ADMIN,
            "team_id": TEAM_ID,
            "response_url": hostile.fake.response_url("digest"),
        }
    )
    response = await hostile.post(body)
    assert response.status_code == 200
    assert not failures(caplog)
    [(_, answer)] = hostile.fake.responses
    assert "in the channel" in answer["text"]


@pytest.mark.parametrize("field", ["channel_id", "user_id", "team_id"])
async def test_a_slack_id_wider_than_its_column_is_refused(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture, field: str
) -> None:
    before = await written(hostile)
    fields = {
        "command": "/digest",
        "text": "on",
        "user_id": ADMIN,
        "team_id": TEAM_ID,
        "channel_id": "C0DIGEST",
        "response_url": hostile.fake.response_url("digest"),
    }
    fields[field] = "C" + "9" * 40
    response = await hostile.post(form(fields))
    assert response.status_code == 400
    assert await written(hostile) == before
    assert not failures(caplog)


@pytest.mark.parametrize("command", ["/po", "/landed"])
async def test_a_hundred_kilobytes_of_po_number_is_answered_not_found(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    """The suggestions' missed-key LIKE pattern doubled the text, and SQLite refuses one over
    50,000 bytes: the command failed instead of saying there is no such PO."""
    started = time.monotonic()
    response = await hostile.command(command, "y" * 100_000)
    assert response.status_code == 200
    assert time.monotonic() - started < 5
    assert not failures(caplog)
    [(_, answer)] = hostile.fake.responses
    assert "did you mean" not in str(answer)


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked", "reaction_added", "x"])
async def test_an_event_no_listener_wants_is_acknowledged(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """Bolt answered 404; Slack retries anything but 200 and turns off failing apps' events."""
    before = await written(hostile)
    response = await hostile.event({"type": kind, "event_ts": "1.1"}, event_id=f"Ev0{kind}")
    assert response.status_code == 200
    assert await written(hostile) == before
    assert not failures(caplog)


async def test_app_home_opened_still_reaches_its_own_listener(hostile: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": APPROVER, "tab": "home", "channel": "D0HOME"}
    response = await hostile.event(event, event_id="Ev0HOME")
    assert response.status_code == 200
    assert APPROVER in hostile.fake.home_views


async def test_a_button_this_version_does_not_have_says_it_is_no_longer_valid(
    hostile: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    response = await hostile.click("po_refresh_v0", "PO-1042", user=MERCHANDISER)
    assert response.status_code == 200
    async with asyncio.timeout(5):  # the answer goes to the response_url after the ack
        await hostile.fake.wait_for_call("response_url")
    [(_, answer)] = hostile.fake.responses
    assert "no longer valid" in answer["text"]
    assert not failures(caplog)


async def test_a_command_this_app_does_not_have_is_answered(hostile: SlackHarness) -> None:
    response = await hostile.command("/wip", "PO-1042")
    assert response.status_code == 200
    assert "does not know /wip" in response.text


@pytest.mark.parametrize("kind", ["view_submission", "view_closed"])
async def test_a_modal_this_app_did_not_open_is_acknowledged(
    hostile: SlackHarness, kind: str
) -> None:
    payload = {
        "type": kind,
        "user": {"id": APPROVER},
        "team": {"id": TEAM_ID},
        "view": {"id": "V0X", "type": "modal", "callback_id": "someone_elses", "state": {}},
    }
    response = await hostile.interact(payload)
    assert response.status_code == 200


class SocketAcks:
    """Stands in for slack_sdk's websocket client, which the Socket Mode handler acknowledges
    each envelope through: what it acknowledged."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("tests.socket_mode")
        self.acks: list[Any] = []

    async def send_socket_mode_response(self, response: Any) -> None:
        self.acks.append(response)


@pytest.mark.parametrize(
    ("field", "value", "refused"),
    [
        ("text", "on", False),
        ("channel_id", "C" + "9" * 40, True),
        ("user_id", "U" + "9" * 40, True),
        ("text", "on\x00", True),
    ],
    ids=["well-formed", "channel-past-its-column", "user-past-its-column", "nul"],
)
async def test_socket_mode_refuses_what_the_http_route_refuses(
    fake: FakeSlackApi,
    session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
    field: str,
    value: str,
    refused: bool,
) -> None:
    """Socket Mode skipped the route's check: a channel id past its column reached the digest
    subscription, which PostgreSQL refused (and SQLite kept)."""
    await seed(session_factory)
    settings = slack_settings(fake, SLACK_APP_TOKEN=SecretStr("xapp-1-fake-app-token"))
    channel = build_slack_channel(ChannelContext(settings, session_factory, clock=fixed_clock(NOW)))
    assert isinstance(channel, SlackChannel) and channel.socket_mode is not None
    fields = {
        "command": "/digest",
        "text": "on",
        "user_id": ADMIN,
        "team_id": TEAM_ID,
        "channel_id": "C0DIGEST",
        "response_url": fake.response_url("digest"),
        "trigger_id": "1.1.trigger",
    }
    fields[field] = value
    envelope = SocketModeRequest(type="slash_commands", envelope_id="e-1", payload=fields)
    socket = SocketAcks()
    try:
        await channel.socket_mode.handle(socket, envelope)  # type: ignore[arg-type]
        await channel.deps.work.wait_idle()
        async with session_factory() as session:
            subscribed = (await session.exec(select(DigestSubscription.channel))).all()
    finally:
        await channel.stop()
    assert len(socket.acks) == (0 if refused else 1)
    assert subscribed == ([] if refused else ["C0DIGEST"])
    assert [key for key, _ in fake.responses] == ([] if refused else ["digest"])
    assert not failures(caplog)
