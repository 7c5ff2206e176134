"""/slack/events under hostile input: correctly signed garbage and malformed signature headers.

Property: every request is answered below 500, nothing is logged with a traceback, and a
request refused before Bolt changes nothing (no delivery recorded, nothing queued).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.slack_fixtures import SlackHarness, seed, slack_app
from tests.fakes.slack_api import SIGNING_SECRET, FakeSlackApi
from wipbot.store.db import SessionFactory

pytestmark = pytest.mark.fuzz

KEYS = (
    "type",
    "team",
    "team_id",
    "user",
    "user_id",
    "channel",
    "channel_id",
    "container",
    "message",
    "actions",
    "action_id",
    "value",
    "action_ts",
    "view",
    "id",
    "callback_id",
    "state",
    "values",
    "reason",
    "reason_input",
    "private_metadata",
    "event",
    "event_id",
    "authorizations",
    "enterprise",
    "is_enterprise_install",
    "command",
    "text",
    "trigger_id",
    "response_url",
    "api_app_id",
    "token",
    "tab",
    "challenge",
)
TYPES = (
    "block_actions",
    "view_submission",
    "view_closed",
    "event_callback",
    "url_verification",
    "app_home_opened",
    "shortcut",
    "message_action",
    "block_suggestion",
)
VALUES = (
    "gate_approve",
    "gate_reject",
    "po_share",
    "gate_reason",
    "/po",
    "/gate",
    "T0NORTHWIND",
    "U0APPROVER",
    "PO-1042",
    "PO-1042 done bom",
    "1",
    "-1",
    "99999999999999999999",
    "nan",
    '{"gate_id": "x"}',
    '{"gate_id": 1, "approve": true}',
    "home",
    "2147483648",
    "PO-1042\x00",
    "\x00",
    "PO-\ud800",
    "²",
    "C" + "9" * 40,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(TYPES + VALUES),
    st.text(max_size=20),
)
shapes = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=25,
)
payloads = st.dictionaries(st.sampled_from(KEYS), shapes, max_size=8)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A request body and its content type, in each way Slack sends them and some it does not."""
    kinds = ["json", "form", "payload", "bad-payload", "bytes", "deep", "click", "view", "command"]
    kind = draw(st.sampled_from([*kinds, "home"]))
    if kind == "home":
        event = {"type": "app_home_opened", "tab": "home", "channel": "D0HOME"}
        if draw(st.booleans()):
            event["user"] = draw(st.sampled_from(["U0APPROVER", "U" + "9" * 40]))
        home = {"type": "event_callback", "team_id": "T0NORTHWIND", "event": event}
        home["event_id"] = f"Ev{draw(st.integers(min_value=0))}"
        return json.dumps(home).encode(), "application/json"
    if kind in {"click", "view", "command"}:
        return draw(well_shaped(kind)), "application/x-www-form-urlencoded"
    if kind == "json":
        return json.dumps(draw(shapes)).encode(), "application/json"
    if kind == "form":
        fields = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=8))
        return urlencode(
            fields, errors="surrogatepass"
        ).encode(), "application/x-www-form-urlencoded"
    if kind == "payload":
        body = urlencode({"payload": json.dumps(draw(payloads))})
        return body.encode(), "application/x-www-form-urlencoded"
    if kind == "bad-payload":
        body = urlencode({"payload": draw(st.text(max_size=40))})
        return body.encode(), "application/x-www-form-urlencoded"
    if kind == "deep":
        depth = draw(st.integers(min_value=100, max_value=5000))
        return ("[" * depth + "]" * depth).encode(), "application/json"
    content_type = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
    return draw(st.binary(max_size=200)), content_type


RESPONSE_URL = "{response_url}"
SLACK_ACTIONS = ["gate_approve", "gate_reject", "po_share", "qc_share", "landed_share"]
odd_text = st.one_of(st.sampled_from(VALUES), st.text(max_size=30))


@st.composite
def well_shaped(draw: st.DrawFn, kind: str) -> bytes:
    """Requests shaped as Slack sends them, with hostile values where people or Slack put them."""
    user = {"id": draw(st.sampled_from(["U0APPROVER", "U0MERCH", "U0NOBODY"]))}
    team = {"id": draw(st.sampled_from(["T0NORTHWIND", "T0OTHERCO", "T0NOBRAND"]))}
    if kind == "command":
        fields = {
            "command": draw(st.sampled_from(["/po", "/gate", "/qc", "/landed", "/digest"])),
            "text": draw(odd_text),
            "user_id": user["id"],
            "team_id": team["id"],
            "channel_id": draw(st.sampled_from(["C0GENERAL", "C" + "9" * 40])),
            "trigger_id": draw(odd_text),
            "response_url": RESPONSE_URL,
        }
        if draw(st.booleans()):
            del fields["channel_id"]
        return urlencode(fields, errors="surrogatepass").encode()
    if kind == "click":
        action = {
            "action_id": draw(st.sampled_from(SLACK_ACTIONS)),
            "value": draw(odd_text),
            "action_ts": draw(odd_text),
            "block_id": "b",
            "type": "button",
        }
        if draw(st.integers(min_value=0, max_value=4)) == 0:
            del action["value"]
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": user,
            "team": team,
            "actions": [action],
            "trigger_id": draw(odd_text),
            "response_url": draw(st.sampled_from([RESPONSE_URL, RESPONSE_URL, "²", None])),
            "channel": draw(st.sampled_from([{"id": "C0APPROVE"}, "C0APPROVE"])),
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0APPROVE"},
        }
        if payload["response_url"] is None:
            del payload["response_url"]
    else:
        values = draw(st.one_of(shapes, st.just({"reason": {"reason_input": {"value": "ok"}}})))
        payload = {
            "type": "view_submission",
            "user": user,
            "team": team,
            "view": {
                "id": draw(odd_text),
                "type": "modal",
                "callback_id": "gate_reason",
                "private_metadata": draw(odd_text),
                "state": {"values": values if isinstance(values, dict) else {}},
            },
        }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, content_type: str, stamp: str | None = None) -> dict[str, str]:
    """Headers of a correctly signed request (Slack signs the raw bytes)."""
    stamp = stamp or str(int(time.time()))
    base = f"v0:{stamp}:".encode() + body
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.fixture
async def both_databases(
    fake: FakeSlackApi, session_factory: SessionFactory
) -> AsyncIterator[SlackHarness]:
    """PostgreSQL refuses what SQLite lets through (a NUL in a query, an id past 32 bits)."""
    await seed(session_factory)
    async with slack_app(fake, session_factory) as harness:
        yield harness


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies())
async def test_signed_garbage_is_refused_without_a_5xx_or_a_traceback(
    both_databases: SlackHarness, caplog: pytest.LogCaptureFixture, body: tuple[bytes, str]
) -> None:
    slack = both_databases
    content, content_type = body
    content = content.replace(b"%7Bresponse_url%7D", quote(slack.fake.response_url("fz")).encode())
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await slack.http.post(
            "/slack/events", content=content, headers=signed(content, content_type)
        )
        await slack.channel.deps.work.wait_idle()
    assert response.status_code < 500, (content[:200], response.status_code)
    assert not tracebacks(caplog.records), (content[:200], tracebacks(caplog.records))


timestamps = st.one_of(
    st.sampled_from(["abc", "", " ", "1796408370.5", "1e9", "-1", "0x10", "١٢٣", "²", "99" * 40]),
    st.text(alphabet=st.characters(max_codepoint=255), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stamp=timestamps, forged=st.one_of(st.none(), st.text(max_size=80)))
async def test_a_malformed_signature_header_gets_401(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, stamp: str, forged: str | None
) -> None:
    """Signed over the very timestamp sent (or forged outright): only a current one passes."""
    body = urlencode({"command": "/po", "text": "PO-1042", "team_id": "T0NORTHWIND"}).encode()
    headers = signed(body, "application/x-www-form-urlencoded", stamp=stamp or " ")
    headers["X-Slack-Request-Timestamp"] = stamp
    if forged is not None:
        headers["X-Slack-Signature"] = forged
    encoded = {k: v.encode("utf-8") for k, v in headers.items()}
    current = stamp.isascii() and stamp.isdigit() and abs(int(stamp) - time.time()) <= 300
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await slack.http.post("/slack/events", content=body, headers=encoded)
    if current and forged is None:
        assert response.status_code != 401
    else:
        assert response.status_code == 401, (stamp, forged, response.status_code)
    assert not tracebacks(caplog.records)


async def test_a_timestamp_with_a_fraction_is_refused_not_crashed(slack: SlackHarness) -> None:
    body = urlencode({"command": "/po", "text": "PO-1042"}).encode()
    headers = signed(body, "application/x-www-form-urlencoded", stamp=f"{int(time.time())}.5")
    response = await slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
