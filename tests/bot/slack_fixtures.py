"""Slack test harness: seeded brands, the real web app and Bolt app, signed requests, the sender.

Requests are signed with Slack's algorithm (v0:timestamp:body, HMAC-SHA256) and go through the
real Starlette app to the real Bolt app; Bolt's Web API calls and the outbox's deliveries reach a
fake Slack API over real HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from sqlmodel import select

from tests import builders
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlackApi
from wipbot.bot.channel import ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.slack import SlackChannel, build_slack_channel
from wipbot.bot.web import build_web_app
from wipbot.production.clock import fixed_clock
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import send_due
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    BrandMember,
    Gate,
    GateChecklistItem,
    ProductionOrder,
)

TODAY = date(2026, 3, 2)
NOW = datetime.combine(TODAY, clock_time(9, 0), UTC)
OTHER_TEAM = "T0OTHERCO"
ALERTS = "C0ALERTS"
APPROVALS = "C0APPROVE"
OTHER_APPROVALS = "C0OTHERAP"
APPROVER = "U0APPROVER"
ADMIN = "U0ADMIN"
MERCHANDISER = "U0MERCH"
VIEWER = "U0VIEWER"
OTHER_APPROVER = "U0OTHERAP"
NAMES = {
    APPROVER: "Ada Okafor",
    ADMIN: "Max Berg",
    MERCHANDISER: "Mia Chen",
    VIEWER: "Vic Lane",
}


@dataclass(frozen=True)
class Seeded:
    brand_id: int
    other_brand_id: int
    orders: dict[str, int]
    """Production order number -> id."""


async def seed(factory: SessionFactory) -> Seeded:
    """Two brands in two workspaces; Northwind has a late, an at-risk and an on-track PO."""
    async with transaction(factory) as session:
        brand = await builders.brand(
            session,
            name="Northwind",
            slack_team_id=TEAM_ID,
            alerts_channel=ALERTS,
            approvals_channel=APPROVALS,
        )
        other = await builders.brand(
            session,
            name="Contoso",
            slack_team_id=OTHER_TEAM,
            alerts_channel=None,
            approvals_channel=OTHER_APPROVALS,
        )
        assert brand.id is not None and other.id is not None
        roles = {APPROVER: "approver", ADMIN: "admin", MERCHANDISER: "merchandiser"}
        roles[VIEWER] = "viewer"
        for user, role in roles.items():
            session.add(
                BrandMember(brand_id=brand.id, slack_user_id=user, role=role, name=NAMES[user])
            )
        session.add(BrandMember(brand_id=other.id, slack_user_id=OTHER_APPROVER, role="approver"))
        saigon = await builders.factory(
            session,
            brand,
            code="SGN1",
            name="Saigon Stitch",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            language="vi",
        )
        dhaka = await builders.factory(
            session, brand, code="DAC1", name="Dhaka Knit", language="bn"
        )
        elsewhere = await builders.factory(
            session,
            other,
            code="IST1",
            name="Bosphorus Tekstil",
            country="TR",
            timezone="Europe/Istanbul",
            language="tr",
        )
        await builders.contact(
            session, saigon, name="Lan", language="vi", linked_at=NOW - timedelta(days=30)
        )
        await builders.contact(
            session, saigon, name="Unlinked", chat_id=None, language=None, linked_at=None
        )
        orders: dict[str, ProductionOrder] = {}
        plan = [
            (brand, saigon, "PO-1042", 46, 1200),  # materials due today
            (brand, dhaka, "PO-2001", 12, 800),
            (brand, saigon, "PO-3003", 50, 500),
            (other, elsewhere, "PO-9001", 30, 300),
        ]
        for owner, plant, number, days_out, quantity in plan:
            style = await builders.style(session, owner, code=f"ST-{number[3:]}")
            order = await builders.order(
                session,
                owner,
                plant,
                po_number=number,
                number=f"{number}-01",
                committed_exf=TODAY + timedelta(days=days_out),
                quantity=quantity,
                style=style,
                gate=None,
            )
            orders[order.number] = order
        await builders.checkin(
            session,
            orders["PO-2001-01"],
            at=NOW - timedelta(days=2),
            milestone="materials_in",
            source="telegram",
            issues=[("fabric_late", 20)],
        )
        await builders.checkin(
            session,
            orders["PO-3003-01"],
            at=NOW - timedelta(days=1),
            milestone=None,  # not started yet: waiting for trims
            source="telegram",
            issues=[("trims_late", 5)],
        )
        return Seeded(brand.id, other.id, {n: o.id or 0 for n, o in orders.items()})


def form(fields: dict[str, str]) -> str:
    return urlencode(fields)


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackHarness:
    fake: FakeSlackApi
    channel: SlackChannel
    http: httpx.AsyncClient
    sessions: SessionFactory
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed delivery; returns once wipbot answered and its after-ack work is done."""
        stamp = int(time.time()) if timestamp is None else timestamp
        response = await self.http.post(
            "/slack/events",
            content=body,
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(body, stamp, secret),
                **(headers or {}),
            },
        )
        await self.channel.deps.work.wait_idle()
        return response

    def next_id(self) -> int:
        return next(self._ids)

    async def command(
        self, command: str, text: str, *, user: str = MERCHANDISER, team: str = TEAM_ID
    ) -> httpx.Response:
        n = self.next_id()
        return await self.post(
            form(
                {
                    "token": "legacy",
                    "team_id": team,
                    "team_domain": "northwind",
                    "channel_id": "C0GENERAL",
                    "channel_name": "general",
                    "user_id": user,
                    "user_name": NAMES.get(user, user),
                    "command": command,
                    "text": text,
                    "api_app_id": "A0WIPBOT",
                    "response_url": self.fake.response_url(f"cmd{n}"),
                    "trigger_id": f"{n}.1.trigger",
                }
            )
        )

    def action_payload(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        team: str = TEAM_ID,
        channel: str = APPROVALS,
        message_ts: str = "1700000000.000001",
        action_ts: str | None = None,
    ) -> dict[str, Any]:
        n = self.next_id()
        return {
            "type": "block_actions",
            "team": {"id": team, "domain": "northwind"},
            "user": {"id": user, "username": user, "team_id": team},
            "api_app_id": "A0WIPBOT",
            "token": "legacy",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "trigger_id": f"{n}.2.trigger",
            "channel": {"id": channel, "name": "approvals"},
            "message": {"ts": message_ts, "text": "", "blocks": []},
            "response_url": self.fake.response_url(f"act{n}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": action_ts or f"1700000100.{n:06d}",
                }
            ],
        }

    async def interact(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.post(form({"payload": json.dumps(payload)}), headers=headers)

    async def click(self, action_id: str, value: str, *, user: str, **kw: Any) -> httpx.Response:
        return await self.interact(self.action_payload(action_id, value, user=user, **kw))

    async def submit_view(
        self, opened: dict[str, Any], reason: str, *, user: str, team: str = TEAM_ID
    ) -> httpx.Response:
        view = opened["view"]
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "northwind"},
            "user": {"id": user, "username": user, "team_id": team},
            "api_app_id": "A0WIPBOT",
            "token": "legacy",
            "trigger_id": f"{self.next_id()}.3.trigger",
            "view": {
                **view,
                "state": {
                    "values": {
                        "reason": {"reason_input": {"type": "plain_text_input", "value": reason}}
                    }
                },
                "hash": "1700000200.abc",
            },
        }
        return await self.interact(payload)

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str,
        team: str = TEAM_ID,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0WIPBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "U0WIPBOT", "is_bot": True}],
        }
        return await self.post(json.dumps(body), content_type="application/json", headers=headers)

    async def send_outbox(self) -> int:
        """Run the real sender once over the Slack transport (no rate-limit waits in tests)."""
        assert self.channel.transport is not None
        config = SenderConfig(chat_limits={}, platform_limits={}, concurrency=1)
        return await send_due(self.sessions, {"slack": self.channel.transport}, config=config)


def slack_settings(fake: FakeSlackApi, **extra: Any) -> Settings:
    return Settings(
        SLACK_BOT_TOKEN=SecretStr(BOT_TOKEN),
        SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
        SLACK_API_URL=fake.api_url,
        **extra,
    )


@asynccontextmanager
async def slack_app(
    fake: FakeSlackApi, sessions: SessionFactory, **settings: Any
) -> AsyncIterator[SlackHarness]:
    channel = build_slack_channel(
        ChannelContext(slack_settings(fake, **settings), sessions, clock=fixed_clock(NOW))
    )
    assert isinstance(channel, SlackChannel)
    app = build_web_app(sessions, [channel])
    await channel.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wipbot.test") as http:
        yield SlackHarness(fake, channel, http, sessions)
    await channel.stop()


async def gate_of(sessions: SessionFactory, order_id: int) -> tuple[Gate, list[GateChecklistItem]]:
    async with sessions() as session:
        gate = (await session.exec(select(Gate).where(Gate.production_order_id == order_id))).one()
        items = (
            await session.exec(
                select(GateChecklistItem).where(GateChecklistItem.gate_id == gate.id)
            )
        ).all()
        return gate, list(items)
