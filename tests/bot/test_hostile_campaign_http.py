"""The HTTP surface of `wipbot run` under what a hostile client sends over a raw socket:
bodies cut short, malformed chunks, pipelined requests, HTTP/1.0, and connections that never
finish their body. Nothing may be logged as a crash, nothing written, and no other request kept
waiting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fakes.telegram_api import User

from .hostile_campaign import TELEGRAM_SECRET, Campaign, running_wipbot

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET = ("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)
ROUTES = ("/telegram/webhook", "/slack/events", "/whatsapp/webhook")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Campaign]:
    async with running_wipbot(tmp_path_factory.mktemp("http")) as running:
        yield running


def request(
    path: str,
    body: bytes,
    headers: list[tuple[str, str]],
    *,
    version: str = "1.1",
    method: str = "POST",
) -> bytes:
    lines = [f"{method} {path} HTTP/{version}", "Host: wipbot", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(bot: Campaign, data: bytes, *, hang_up: bool = True) -> bytes:
    """Send `data` on a fresh connection, stop writing, read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", int(bot.url.rsplit(":", 1)[1]))
    writer.write(data)
    await writer.drain()
    if hang_up:
        writer.write_eof()
    async with asyncio.timeout(10):
        answer = await reader.read()
    writer.close()
    return answer


async def logged_so_far(bot: Campaign, marker: str) -> str:
    """The child's output up to a request of ours, so all that came before it is in."""
    await bot.http.get(f"{bot.url}/healthz", params={"after": marker})
    for _ in range(100):  # the access log line reaches our reader a moment later
        if f"after={marker}" in bot.output:
            break
        await asyncio.sleep(0.05)
    return bot.output


def update_body(bot: Campaign, user: User) -> bytes:
    return json.dumps(bot.telegram.text_update(user, "hello")).encode()


@pytest.mark.parametrize("path", ROUTES)
async def test_a_body_cut_short_is_not_logged_as_a_crash(bot: Campaign, path: str) -> None:
    headers = [SECRET, ("Content-Type", "application/json"), ("Content-Length", "500")]
    answer = await exchange(bot, request(path, b'{"update_id": 1', headers))
    assert answer == b""  # the client is gone: nobody to answer
    output = await logged_so_far(bot, f"cut-{path.strip('/').replace('/', '-')}")
    assert "Exception in ASGI application" not in output
    assert "ClientDisconnect" not in output


async def test_a_malformed_chunk_is_refused_and_not_logged_as_a_crash(bot: Campaign) -> None:
    chunked = [SECRET, ("Transfer-Encoding", "chunked")]
    answer = await exchange(bot, request("/telegram/webhook", b"zz\r\n{}\r\n0\r\n\r\n", chunked))
    assert answer.startswith(b"HTTP/1.1 400")
    output = await logged_so_far(bot, "chunk")
    assert "Exception in ASGI application" not in output


async def test_pipelined_http10_and_chunked_updates_are_each_handled_once(bot: Campaign) -> None:
    users = [User(5500000001 + i, "Pipe", "en") for i in range(4)]
    bodies = [update_body(bot, user) for user in users]
    pipelined = b"".join(
        request("/telegram/webhook", body, [SECRET, ("Content-Length", str(len(body)))])
        for body in bodies[:2]
    ) + request("/healthz", b"", [("Connection", "close")], method="GET")
    answer = await exchange(bot, pipelined, hang_up=False)
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    old = request(
        "/telegram/webhook",
        bodies[2],
        [SECRET, ("Content-Length", str(len(bodies[2])))],
        version="1.0",
    )
    assert (await exchange(bot, old, hang_up=False)).startswith(b"HTTP/1.1 200")
    chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(bodies[3]), bodies[3])
    answer = await exchange(
        bot,
        request(
            "/telegram/webhook",
            chunk,
            [SECRET, ("Transfer-Encoding", "chunked"), ("Connection", "close")],
        ),
        hang_up=False,
    )
    assert answer.startswith(b"HTTP/1.1 200")
    async with asyncio.timeout(10):
        while not all(bot.telegram.messages(user.id) for user in users):
            await bot.telegram.wait_for_call(
                "sendMessage", len(bot.telegram.calls_to("sendMessage")) + 1
            )
    assert [len(bot.telegram.messages(user.id)) for user in users] == [1, 1, 1, 1]


async def test_connections_that_never_finish_their_body_keep_no_one_waiting(
    bot: Campaign,
) -> None:
    port = int(bot.url.rsplit(":", 1)[1])
    held = []
    for path in ROUTES * 20:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request(path, b'{"upd', [SECRET, ("Content-Length", "100000")]))
        await writer.drain()
        held.append(writer)
    try:
        user = User(5500000100, "Patient", "en")
        started = time.monotonic()
        response = await bot.http.post(
            f"{bot.url}/telegram/webhook", content=update_body(bot, user), headers=dict([SECRET])
        )
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for writer in held:
            writer.close()
