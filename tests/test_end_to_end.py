"""wipbot as a user runs it: data set up with the CLI, then `wipbot run` in its own process,
configured by environment variables only, driven only through its HTTP endpoints.

The fake Telegram, Slack and Graph APIs run in the test's event loop; a reply that reaches one of
them has gone through the real handler, outbox, sender and transport of the child process. The
tests share one process and run in file order: the last one stops it with SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio

from tests.bot.slack_fixtures import sign as slack_signature
from tests.fakes import FakeApi, listening_socket
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraphApi,
)
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, User
from wipbot.bot.slack.text import blocks_to_text
from wipbot.bot.whatsapp.signature import sign as whatsapp_signature

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TEAM = "T0NORTHWIND"
APPROVER = "U0APPROVER"
TELEGRAM_SECRET = "e2e-Webhook_secret-0123456789"
WEI = User(5200000001, "Wei", "en")
STRANGER_NUMBER = "4915112340000"
STARTUP_TIMEOUT = 20.0
REPLY_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
OUR_PREFIXES = ("WIPBOT_", "SLACK_", "TELEGRAM_", "WHATSAPP_", "DATABASE_URL")


def wipbot_command() -> list[str]:
    """The installed console script, as a user types it; the same entry point otherwise."""
    script = Path(sys.executable).parent / "wipbot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from wipbot.cli.main import main; main()"]


def free_port() -> int:
    with listening_socket() as sock:
        port: int = sock.getsockname()[1]
    return port


def child_environment(overrides: dict[str, str]) -> dict[str, str]:
    """The parent's environment without any wipbot setting it may carry, plus ours."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(OUR_PREFIXES)}
    return {**kept, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **overrides}


def run_environment(
    database: dict[str, str],
    port: int,
    telegram: FakeTelegramApi,
    slack: FakeSlackApi,
    graph: FakeGraphApi,
    telegram_secret: str = TELEGRAM_SECRET,
    **settings: str,
) -> dict[str, str]:
    """`wipbot run`'s environment: every channel on, each against its fake on 127.0.0.1."""
    return child_environment(
        {
            **database,
            "WIPBOT_HOST": "127.0.0.1",
            "WIPBOT_PORT": str(port),
            "WIPBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": telegram_secret,
            "TELEGRAM_API_URL": telegram.api_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_URL": graph.url,
            **settings,
        }
    )


async def start_run(env: dict[str, str], home: Path) -> asyncio.subprocess.Process:
    """`wipbot run` in its own process, as a user starts it, its output on one pipe."""
    return await asyncio.create_subprocess_exec(
        *wipbot_command(),
        "run",
        env=env,
        cwd=home,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    """One `wipbot ...` command in its own process; its output, after it succeeded."""
    process = await asyncio.create_subprocess_exec(
        *wipbot_command(),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(30):
        output, _ = await process.communicate()
    text = output.decode()
    assert process.returncode == 0, f"wipbot {' '.join(args)} failed:\n{text}"
    return text


async def until(fake: FakeApi, method: str, done: Callable[[], bool]) -> None:
    """Wait, call by call, until `done()` holds for what `fake` has received."""
    async with asyncio.timeout(REPLY_TIMEOUT):
        while not done():
            await fake.wait_for_call(method, len(fake.calls_to(method)) + 1)


@dataclass
class Wipbot:
    """The running child process, its fakes, and everything it printed so far."""

    process: asyncio.subprocess.Process
    url: str
    http: httpx.AsyncClient
    telegram: FakeTelegramApi
    slack: FakeSlackApi
    graph: FakeGraphApi
    invite_code: str
    lines: list[str] = field(default_factory=list)
    reading: asyncio.Task[None] | None = None

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def start_reading(self) -> None:
        """Drain the child's output as it comes, so that a full pipe never blocks it."""
        self.reading = asyncio.create_task(self._collect_output())

    async def _collect_output(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    async def exited(self) -> int:
        """The exit code, once the process is gone and all it printed has been read."""
        code = await self.process.wait()
        if self.reading is not None:
            await self.reading
        return code

    async def wait_until_healthy(self) -> dict[str, Any]:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                break
            try:
                response = await self.http.get(f"{self.url}/healthz", timeout=1)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
                continue
            if response.status_code == 200:
                health: dict[str, Any] = response.json()
                return health
            await asyncio.sleep(0.1)
        raise AssertionError(f"wipbot run did not answer /healthz:\n{self.output}")

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not go within the bound: never leave it running."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await self.exited()
        except TimeoutError:
            self.process.kill()
            await self.exited()


async def prepare_database(env: dict[str, str], cwd: Path) -> str:
    """Factories, POs, the brand's Slack settings and an approver, and Wei's Telegram invite,
    all through the CLI; returns the invite code read from the printed deep link."""
    await cli(env, cwd, "import", "factories", str(EXAMPLES / "factories.csv"))
    await cli(env, cwd, "import", "pos", str(EXAMPLES / "pos.csv"))
    await cli(
        env,
        cwd,
        *("brand", "add", "Northwind Apparel", "--slack-team", TEAM),
        *("--alerts-channel", "C0ALERTS", "--approvals-channel", "C0APPROVE"),
    )
    await cli(env, cwd, "brand", "member", "Northwind Apparel", APPROVER, "--role", "approver")
    invite = ("contact", "invite", "--factory", "NGB1", "--name", "Wei", "--platform", "telegram")
    printed = await cli(env, cwd, *invite)
    link = re.search(r"https://t\.me/\S+\?start=(\w+)", printed)
    assert link is not None, printed
    return link.group(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def wipbot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Wipbot]:
    home = tmp_path_factory.mktemp("e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{home / 'wipbot.db'}"}
    invite_code = await prepare_database(child_environment(database), home)

    async with (
        FakeTelegramApi() as telegram,
        FakeSlackApi(team_id=TEAM) as slack,
        FakeGraphApi() as graph,
        httpx.AsyncClient(timeout=10) as http,
    ):
        env = run_environment(
            database, port, telegram, slack, graph, WIPBOT_LEADER_POLL_SECONDS="0.5"
        )
        process = await start_run(env, home)
        running = Wipbot(process, url, http, telegram, slack, graph, invite_code)
        running.start_reading()
        try:
            yield running
        finally:
            await running.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def health(wipbot: Wipbot) -> dict[str, Any]:
    return await wipbot.wait_until_healthy()


async def test_it_starts_with_every_channel_on_and_says_so(
    wipbot: Wipbot, health: dict[str, Any]
) -> None:
    assert health == {
        "status": "ok",
        "database": "up",
        "channels": {
            "slack": "http /slack/events",
            "telegram": "webhook",
            "whatsapp": "webhook /whatsapp/webhook",
        },
    }
    for announced in ("slack: http /slack/events", "telegram: webhook", "whatsapp: webhook"):
        assert announced in wipbot.output
    assert f"listening on {wipbot.url}" in wipbot.output
    assert wipbot.telegram.webhook.url == f"{wipbot.url}/telegram/webhook"
    assert wipbot.telegram.webhook.secret_token == TELEGRAM_SECRET


async def telegram_post(wipbot: Wipbot, update: dict[str, Any], secret: str) -> httpx.Response:
    return await wipbot.http.post(
        f"{wipbot.url}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


async def test_telegram_invite_link_links_the_chat_and_welcomes_the_contact(
    wipbot: Wipbot, health: dict[str, Any]
) -> None:
    start = wipbot.telegram.text_update(WEI, f"/start {wipbot.invite_code}")
    response = await telegram_post(wipbot, start, TELEGRAM_SECRET)
    assert response.status_code == 200

    await until(wipbot.telegram, "sendMessage", lambda: bool(wipbot.telegram.messages(WEI.id)))
    welcome = wipbot.telegram.messages(WEI.id)[0].text
    assert "Wei" in welcome and "Ningbo Seaside Garments" in welcome


async def test_telegram_refuses_a_wrong_secret(wipbot: Wipbot, health: dict[str, Any]) -> None:
    update = wipbot.telegram.text_update(WEI, "/help")
    response = await telegram_post(wipbot, update, TELEGRAM_SECRET + "x")
    assert response.status_code == 401


async def slack_post(wipbot: Wipbot, body: str, secret: str = SIGNING_SECRET) -> httpx.Response:
    stamp = int(time.time())
    return await wipbot.http.post(
        f"{wipbot.url}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": slack_signature(body, stamp, secret),
        },
    )


def po_command(wipbot: Wipbot, text: str, key: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "northwind",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": APPROVER,
            "user_name": "approver",
            "command": "/po",
            "text": text,
            "api_app_id": "A0WIPBOT",
            "response_url": wipbot.slack.response_url(key),
            "trigger_id": f"{key}.1.trigger",
        }
    )


async def test_slack_po_answers_with_the_po_card(wipbot: Wipbot, health: dict[str, Any]) -> None:
    started = time.monotonic()
    response = await slack_post(wipbot, po_command(wipbot, "PO-1042", "po1042"))
    assert response.status_code == 200
    assert time.monotonic() - started < 3

    def answered() -> bool:
        return any(key == "po1042" for key, _ in wipbot.slack.responses)

    await until(wipbot.slack, "response_url", answered)
    card = next(body for key, body in wipbot.slack.responses if key == "po1042")
    assert card["response_type"] == "ephemeral"
    text = blocks_to_text(card["blocks"])
    assert "PO-1042" in text
    assert "Ningbo Seaside Garments" in text


async def test_slack_refuses_a_bad_signature(wipbot: Wipbot, health: dict[str, Any]) -> None:
    body = po_command(wipbot, "PO-1042", "forged")
    response = await slack_post(wipbot, body, secret="not-the-signing-secret")
    assert response.status_code == 401


async def whatsapp_post(wipbot: Wipbot, body: bytes, signature: str) -> httpx.Response:
    return await wipbot.http.post(
        f"{wipbot.url}/whatsapp/webhook",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


def notification_from_stranger(wipbot: Wipbot, text: str) -> bytes:
    notification = wipbot.graph.text_notification(STRANGER_NUMBER, text, at=datetime.now(UTC))
    return json.dumps(notification, separators=(",", ":")).encode()


async def test_whatsapp_tells_an_unknown_number_how_to_get_access(
    wipbot: Wipbot, health: dict[str, Any]
) -> None:
    body = notification_from_stranger(wipbot, "Hello, what is the status of PO-1042?")
    response = await whatsapp_post(wipbot, body, whatsapp_signature(APP_SECRET, body))
    assert response.status_code == 200

    await until(wipbot.graph, "messages", lambda: bool(wipbot.graph.messages(STRANGER_NUMBER)))
    answer = wipbot.graph.messages(STRANGER_NUMBER)[0]
    assert answer.kind == "text"
    assert "invite" in answer.text
    assert "PO-1042" not in answer.text


async def test_whatsapp_refuses_a_bad_signature(wipbot: Wipbot, health: dict[str, Any]) -> None:
    body = notification_from_stranger(wipbot, "hello")
    response = await whatsapp_post(wipbot, body, whatsapp_signature("another-secret", body))
    assert response.status_code == 401


async def test_whatsapp_verification_returns_the_challenge(
    wipbot: Wipbot, health: dict[str, Any]
) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8151"}
    response = await wipbot.http.get(f"{wipbot.url}/whatsapp/webhook", params=params)
    assert (response.status_code, response.text) == (200, "8151")

    params["hub.verify_token"] = "a-guess"
    response = await wipbot.http.get(f"{wipbot.url}/whatsapp/webhook", params=params)
    assert response.status_code == 403


async def test_sigterm_stops_it(wipbot: Wipbot, health: dict[str, Any]) -> None:
    """Last in the file: the process is gone afterwards, and it stopped its scheduler, sender
    and channels on the way out (uvicorn alone would re-raise SIGTERM and skip that)."""
    wipbot.process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(STOP_TIMEOUT):
        code = await wipbot.exited()
    assert code == 0, wipbot.output
    assert "Finished server process" in wipbot.output
    assert "stopped: scheduler, sender and channels shut down" in wipbot.output
