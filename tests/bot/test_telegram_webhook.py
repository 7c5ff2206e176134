"""The webhook and the start-up: only Telegram's secret gets in; what Telegram is told at start."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from tests.bot.telegram_fixtures import (
    LAN,
    SECRET,
    STRANGER,
    Bot,
    Clock,
    count_rows,
    running_bot,
    seed,
    settings_for,
)
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from wipbot.bot.channel import ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.runtime import build_runtime
from wipbot.bot.telegram import TelegramConfigError, TelegramTransport, build_telegram_channel
from wipbot.bot.telegram.commands import COMMANDS
from wipbot.handlers.i18n import translator
from wipbot.store.db import SessionFactory

NOTHING = {"checkin": 0, "seen_inbound": 0, "outbox_message": 0}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramApi, sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with running_bot(fake, sqlite_session_factory, Clock()) as running:
        yield running


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()],
    ids=["missing", "empty", "wrong", "prefix", "longer", "case"],
)
async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    bot: Bot, sqlite_session_factory: SessionFactory, secret: str | None
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    before = await count_rows(sqlite_session_factory)

    status = await bot.post(bot.fake.text_update(LAN, f"/start {seeded.invites['Lan']}"), secret)
    await bot.flush()

    assert status == 401
    assert await count_rows(sqlite_session_factory) == before
    assert bot.fake.calls_to("sendMessage") == []
    assert await bot.post(bot.fake.text_update(LAN, "/help")) == 200


async def test_a_body_that_is_not_an_update_is_a_bad_request(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    before = await count_rows(sqlite_session_factory)
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        content=b"{not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 400
    assert await count_rows(sqlite_session_factory) == before


@pytest.mark.parametrize("text", [None, True, 7], ids=["null", "bool", "number"])
async def test_a_click_on_a_keyboard_whose_button_has_no_text_is_a_bad_request(
    bot: Bot, sqlite_session_factory: SessionFactory, text: object
) -> None:
    """The label of the clicked button is read (to show the choice taken): a keyboard Telegram
    would never send is refused before anything is written, not failed half-way."""
    seeded = await seed(sqlite_session_factory, "Lan")
    await bot.say(LAN, f"/start {seeded.invites['Lan']}")
    await bot.flush()
    shown = bot.fake.last_message(LAN.id)
    update = bot.fake.click_update(LAN, shown, data=shown.buttons[0]["callback_data"])
    update["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] = text
    before = await count_rows(sqlite_session_factory)

    assert await bot.post(update) == 400
    assert await count_rows(sqlite_session_factory) == before


async def test_a_failed_update_answers_500_so_that_telegram_delivers_it_again(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    update = bot.fake.text_update(STRANGER, "hello")
    await rename(sqlite_session_factory, "seen_inbound", "seen_inbound_away")
    failed = await bot.post(update)
    await rename(sqlite_session_factory, "seen_inbound_away", "seen_inbound")
    assert (failed, await count_rows(sqlite_session_factory)) == (500, NOTHING)

    assert await bot.post(update) == 200
    assert await bot.post(update) == 200
    await bot.flush()
    assert len(bot.fake.messages(STRANGER.id)) == 1


async def rename(session_factory: SessionFactory, table: str, to: str) -> None:
    async with session_factory() as s:
        connection = await s.connection()
        await connection.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))
        await s.commit()


async def test_the_runtime_serves_telegram_when_a_token_is_set(
    fake: FakeTelegramApi, sqlite_session_factory: SessionFactory
) -> None:
    settings = settings_for(fake, "https://bot.example.com")
    runtime = build_runtime(settings, sqlite_session_factory)

    assert [(c.name, c.mode) for c in runtime.channels] == [("telegram", "webhook")]
    assert isinstance(runtime.transports["telegram"], TelegramTransport)
    transport = httpx.ASGITransport(app=runtime.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wipbot") as client:
        response = await client.post("/telegram/webhook", json={"update_id": 1})
    assert response.status_code == 401


async def test_the_webhook_takes_only_posts(bot: Bot) -> None:
    response = await bot.http.get(f"{bot.url}/telegram/webhook")
    assert response.status_code == 405


async def test_start_sets_the_webhook_with_its_secret(bot: Bot) -> None:
    assert bot.fake.webhook.url == f"{bot.url}/telegram/webhook"
    assert bot.fake.webhook.secret_token == SECRET
    assert bot.fake.webhook.allowed_updates == ["message", "callback_query"]
    assert bot.channel.mode == "webhook"
    assert bot.fake.calls_to("deleteWebhook") == []
    assert bot.fake.calls_to("getUpdates") == []


async def test_start_registers_the_commands_in_every_language(bot: Bot) -> None:
    assert set(bot.fake.commands) == {None, "en", "zh", "vi", "bn", "tr"}
    for code, language in [(None, "en"), ("zh", "zh-Hans"), ("vi", "vi"), ("tr", "tr")]:
        _ = translator(language)
        assert bot.fake.commands[code] == [
            {"command": command, "description": _(description)} for command, description in COMMANDS
        ]


async def test_the_health_check_names_the_telegram_mode(bot: Bot) -> None:
    response = await bot.http.get(f"{bot.url}/healthz")
    assert response.json()["channels"] == {"telegram": "webhook"}


def context(settings: Settings, session_factory: SessionFactory) -> ChannelContext:
    return ChannelContext(settings, session_factory)


@pytest.mark.parametrize(
    "secret",
    [None, "", "has spaces", "ünïcode", "x" * 257],
    ids=["unset", "empty", "spaces", "unicode", "long"],
)
async def test_a_public_url_without_a_usable_secret_refuses_to_start(
    fake: FakeTelegramApi, sqlite_session_factory: SessionFactory, secret: str | None
) -> None:
    settings = settings_for(fake, "https://bot.example.com", TELEGRAM_WEBHOOK_SECRET=secret)

    with pytest.raises(TelegramConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        build_telegram_channel(context(settings, sqlite_session_factory))
    assert fake.calls == []


async def test_no_token_means_no_telegram(sqlite_session_factory: SessionFactory) -> None:
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=None)  # type: ignore[call-arg]
    assert build_telegram_channel(context(settings, sqlite_session_factory)) is None


async def test_the_token_never_reaches_the_logs(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    await bot.post(bot.fake.text_update(LAN, "hello"))
    await bot.flush()

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/sendMessage" in logged
    assert TOKEN not in logged
