"""Signed photo links over real HTTP: the web app under uvicorn on 127.0.0.1 fetches QC photos
from the fake Telegram and Graph APIs, and the Slack /qc card links to them."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlmodel import col, select

from tests.bot.slack_fixtures import NOW, VIEWER, seed, slack_app
from tests.bot.slow_sockets import eventually, read_slowly, request_reading_nothing
from tests.clock import SettableClock
from tests.fakes import listening_socket
from tests.fakes.graph_api import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraphApi
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from wipbot.bot.config import Settings
from wipbot.bot.media import media_routes_for
from wipbot.bot.media_links import PhotoLinks, photo_links
from wipbot.bot.runtime import server_config
from wipbot.bot.slack.text import blocks_to_text
from wipbot.bot.slow_clients import ConnectionStats
from wipbot.bot.web import build_web_app
from wipbot.handlers.qc import PhotoRef, record_inspection
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import QcPhoto

JPEG = b"\xff\xd8\xff\xe0fake-jpeg-seam" + bytes(range(256)) * 64
PNG = b"\x89PNG\r\n\x1a\nfake-png-stain"
MEDIA_SECRET = "media-links-secret-for-tests"


@dataclass
class Served:
    url: str
    http: httpx.AsyncClient
    links: PhotoLinks
    clock: SettableClock
    telegram: FakeTelegramApi
    graph: FakeGraphApi
    photos: dict[str, int]
    """platform -> the stored photo's id."""


def settings_for(telegram: FakeTelegramApi, graph: FakeGraphApi, public_url: str) -> Settings:
    values: dict[str, Any] = {
        "WIPBOT_PUBLIC_URL": public_url,
        "WIPBOT_MEDIA_SECRET": SecretStr(MEDIA_SECRET),
        "TELEGRAM_BOT_TOKEN": SecretStr(TOKEN),
        "TELEGRAM_API_URL": telegram.api_url,
        "WHATSAPP_ACCESS_TOKEN": SecretStr(ACCESS_TOKEN),
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_URL": graph.url,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def store_inspection_with_photos(sessions: SessionFactory) -> dict[str, int]:
    seeded = await seed(sessions)
    async with transaction(sessions) as session:
        await record_inspection(
            session,
            brand_id=seeded.brand_id,
            production_order_number="PO-2001-01",
            kind="final",
            lot_size=800,
            defects=[("open seam", "major", 6)],
            inspector="Rahim",
            inspected_at=NOW,
            photos=(
                PhotoRef("telegram", "AgACAgQ-seam"),
                PhotoRef("whatsapp", "1122334455"),
                PhotoRef("console", "/etc/passwd"),
            ),
        )
    async with sessions() as session:
        rows = (await session.exec(select(QcPhoto).order_by(col(QcPhoto.id)))).all()
    return {row.platform: row.id for row in rows if row.id is not None}


@pytest.fixture
async def served(sqlite_session_factory: SessionFactory) -> AsyncIterator[Served]:
    photos = await store_inspection_with_photos(sqlite_session_factory)
    clock = SettableClock(NOW)
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with FakeTelegramApi() as telegram, FakeGraphApi() as graph:
        telegram.put_file("AgACAgQ-seam", JPEG)
        graph.put_media("1122334455", PNG, "image/png")
        settings = settings_for(telegram, graph, url)
        links = photo_links(settings, clock)
        assert links is not None
        routes = media_routes_for(settings, sqlite_session_factory, clock)
        app = build_web_app(sqlite_session_factory, [], extra_routes=routes)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                yield Served(url, http, links, clock, telegram, graph, photos)
        finally:
            server.should_exit = True
            await serving
            sock.close()


def link(served: Served, platform: str) -> str:
    url = served.links(PhotoRef(platform, "", served.photos[platform]))
    assert url is not None
    return url


async def test_a_valid_link_streams_the_telegram_photo_with_its_type(served: Served) -> None:
    url = link(served, "telegram")
    assert url.startswith(f"{served.url}/media/qc/{served.photos['telegram']}?exp=")
    expires = int(parse_qs(urlsplit(url).query)["exp"][0])
    assert expires == int((NOW + timedelta(days=7)).timestamp())
    response = await served.http.get(url)
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert served.telegram.calls_to("getFile")[0].params["file_id"] == "AgACAgQ-seam"


async def test_a_valid_link_streams_the_whatsapp_media_with_the_bearer_token(
    served: Served,
) -> None:
    response = await served.http.get(link(served, "whatsapp"))
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    (download,) = served.graph.calls_to("media_download")
    assert download.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


async def test_tampered_or_expired_links_are_refused_without_asking_the_platform(
    served: Served,
) -> None:
    url = link(served, "telegram")
    other = served.photos["whatsapp"]
    tampered = [
        url[:-1] + ("0" if url[-1] != "0" else "1"),
        url.replace(f"/media/qc/{served.photos['telegram']}?", f"/media/qc/{other}?"),
        re.sub(r"exp=(\d+)", lambda m: f"exp={int(m.group(1)) + 86400}", url),
        url.split("?")[0],
        re.sub(r"sig=\w+", "sig=%C3%A9t%C3%A9", url),
        re.sub(r"exp=(\d+)", "exp=" + "9" * 5000, url),
        re.sub(r"exp=(\d+)", "exp=%D9%A1%D9%A2", url),
    ]
    for bad in tampered:
        response = await served.http.get(bad)
        assert response.status_code == 403, bad
        assert response.text == "invalid or expired link"
    served.clock.now = NOW + timedelta(days=7, seconds=1)
    assert (await served.http.get(url)).status_code == 403
    served.clock.now = NOW + timedelta(days=6)
    assert (await served.http.get(url)).status_code == 200
    assert len(served.telegram.calls_to("getFile")) == 1


async def test_unknown_and_console_photos_are_not_found(served: Served) -> None:
    unknown = served.links.public_url + "/media/qc/9999?" + served.links.signer.query(9999, NOW)
    assert (await served.http.get(unknown)).status_code == 404
    console_id = served.photos["console"]
    assert served.links(PhotoRef("console", "/etc/passwd", console_id)) is None
    signed = f"{served.url}/media/qc/{console_id}?{served.links.signer.query(console_id, NOW)}"
    response = await served.http.get(signed)
    assert response.status_code == 404 and "root:" not in response.text


@pytest.mark.parametrize(
    ("platform", "method"),
    [
        ("telegram", "getFile"),
        ("telegram", "file"),
        ("whatsapp", "media"),
        ("whatsapp", "media_download"),
    ],
)
async def test_a_failing_platform_is_a_short_502(
    served: Served, platform: str, method: str
) -> None:
    fake = served.telegram if platform == "telegram" else served.graph
    fake.fail_next(method, 500, description="<html>upstream exploded</html>")
    response = await served.http.get(link(served, platform))
    assert response.status_code == 502
    assert response.text == f"{platform} did not hand over the photo; try again later"
    assert (await served.http.get(link(served, platform))).status_code == 200


async def test_an_unreachable_platform_is_a_502(served: Served) -> None:
    await served.telegram.stop()
    response = await served.http.get(link(served, "telegram"))
    assert response.status_code == 502 and "Traceback" not in response.text


async def test_the_qc_card_links_each_served_photo(
    served: Served, sqlite_session_factory: SessionFactory
) -> None:
    async with (
        FakeSlackApi() as fake,
        slack_app(
            fake,
            sqlite_session_factory,
            WIPBOT_PUBLIC_URL=served.url,
            WIPBOT_MEDIA_SECRET=SecretStr(MEDIA_SECRET),
            TELEGRAM_BOT_TOKEN=SecretStr(TOKEN),
            TELEGRAM_API_URL=served.telegram.api_url,
        ) as slack,
    ):
        assert (await slack.command("/qc", "PO-2001", user=VIEWER)).status_code == 200
        mrkdwn = str(fake.responses[-1][1]["blocks"])
        links = re.findall(r"<(http[^|>]+)\|📷 photo (\d)>", mrkdwn)
        assert [n for _, n in links] == ["1"]
        assert "WhatsApp `1122334455`" in blocks_to_text(fake.responses[-1][1]["blocks"])
        assert "console `/etc/passwd`" in blocks_to_text(fake.responses[-1][1]["blocks"])
        photo = await served.http.get(links[0][0].replace("&amp;", "&"))
        assert photo.status_code == 200 and photo.content == JPEG


async def test_without_a_public_url_the_card_shows_the_ids(
    sqlite_session_factory: SessionFactory,
) -> None:
    await store_inspection_with_photos(sqlite_session_factory)
    async with FakeSlackApi() as fake, slack_app(fake, sqlite_session_factory) as slack:
        await slack.command("/qc", "PO-2001", user=VIEWER)
        text = blocks_to_text(fake.responses[-1][1]["blocks"])
    assert "Telegram `AgACAgQ-seam`" in text and "/media/qc/" not in text


async def test_a_database_outage_is_a_503_that_says_try_again(served: Served) -> None:
    unreachable = make_session_factory(make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/x"))
    settings = settings_for(served.telegram, served.graph, served.url)
    routes = media_routes_for(settings, unreachable, served.clock)
    app = build_web_app(unreachable, [], extra_routes=routes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=served.url) as client:
        response = await client.get(link(served, "telegram"))
    assert response.status_code == 503
    assert response.text == "wipbot is briefly unavailable; try again"
    assert served.telegram.calls_to("getFile") == []


@pytest.mark.parametrize("photo_id", [2**31, 2**63, 10**20])
async def test_a_signed_link_to_an_id_past_the_column_is_not_found(
    session_factory: SessionFactory, photo_id: int
) -> None:
    """Correctly signed (whoever holds the secret): PostgreSQL refused the lookup of an id past
    its 32-bit column, a 500 instead of a 404."""
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with FakeTelegramApi() as telegram, FakeGraphApi() as graph:
        settings = settings_for(telegram, graph, url)
        links = photo_links(settings, SettableClock(NOW))
        assert links is not None
        routes = media_routes_for(settings, session_factory, SettableClock(NOW))
        app = build_web_app(session_factory, [], extra_routes=routes)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                signed = f"{url}/media/qc/{photo_id}?{links.signer.query(photo_id, NOW)}"
                response = await http.get(signed)
        finally:
            server.should_exit = True
            await serving
            sock.close()
    assert response.status_code == 404


async def test_a_photo_its_client_never_reads_is_aborted_at_the_send_deadline(
    sqlite_session_factory: SessionFactory,
) -> None:
    """Served as `wipbot run` serves (`server_config`): a large photo requested by a client
    that then reads nothing does not keep its connection and its buffered megabytes; the
    /metrics counter says why, and the other platform's photo is served meanwhile."""
    photo = JPEG[:16] + bytes(4 * 1024 * 1024)
    photos = await store_inspection_with_photos(sqlite_session_factory)
    clock = SettableClock(NOW)
    sock = listening_socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)  # inherited when accepted
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with FakeTelegramApi() as telegram, FakeGraphApi() as graph:
        telegram.put_file("AgACAgQ-seam", photo)
        graph.put_media("1122334455", PNG, "image/png")
        settings = settings_for(telegram, graph, url).model_copy(
            update={"response_timeout_seconds": 0.5}
        )
        links = photo_links(settings, clock)
        assert links is not None
        connections = ConnectionStats()
        routes = media_routes_for(settings, sqlite_session_factory, clock)
        app = build_web_app(
            sqlite_session_factory, [], extra_routes=routes, connections=connections
        )
        config = server_config(app, settings, 64, connections)
        config.lifespan = "off"
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                path = urlsplit(links(PhotoRef("telegram", "", photos["telegram"])) or "")
                request = f"GET {path.path}?{path.query} HTTP/1.1\r\nHost: wipbot\r\n\r\n"
                reader = await request_reading_nothing(int(sock.getsockname()[1]), request.encode())
                try:
                    whatsapp = links(PhotoRef("whatsapp", "", photos["whatsapp"]))
                    other = await http.get(whatsapp or "")
                    assert connections.slow_readers == 0
                    await eventually(lambda: connections.slow_readers == 1)
                    metrics = (await http.get(f"{url}/metrics")).text
                    answer = await asyncio.wait_for(read_slowly(reader, 65536, 0), 2)
                finally:
                    reader.close()
        finally:
            server.should_exit = True
            await serving
            sock.close()
    assert other.status_code == 200
    assert other.content == PNG
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert len(answer) < len(photo)
    assert 'wipbot_connections_closed_total{reason="slow_reader"} 1' in metrics.splitlines()
    assert connections == ConnectionStats(slow_readers=1)
