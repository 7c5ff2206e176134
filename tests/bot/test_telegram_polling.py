"""Without a public URL the bot long-polls getUpdates and serves no webhook."""

from __future__ import annotations

import asyncio

from tests.bot.telegram_fixtures import LAN, STRANGER, Clock, running_bot, seed
from tests.fakes.telegram_api import FakeTelegramApi
from tests.rows import checkins
from wipbot.store.db import SessionFactory


async def test_long_polling_consumes_updates_and_confirms_them(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    async with (
        FakeTelegramApi() as fake,
        running_bot(fake, sqlite_session_factory, Clock(), webhook=False) as bot,
    ):
        assert bot.channel.mode == "long polling"
        assert bot.channel.routes == []
        assert fake.calls_to("deleteWebhook") and fake.calls_to("setWebhook") == []
        first_poll = (await fake.wait_for_call("getUpdates"))[0]
        assert first_poll.params["allowed_updates"] == ["message", "callback_query"]

        stranger = fake.text_update(STRANGER, "hi")
        fake.queue_update(stranger)
        async with asyncio.timeout(5):
            await bot.woken.wait()
        bot.woken.clear()
        await bot.flush()
        assert len(fake.messages(STRANGER.id)) == 1

        fake.queue_update(fake.text_update(LAN, f"/start {seeded.invites['Lan']}"))
        async with asyncio.timeout(5):
            await bot.woken.wait()
        bot.woken.clear()
        await bot.flush()
        fake.queue_update(fake.click_update(LAN, fake.last_message(LAN.id), data="m:shipped"))
        async with asyncio.timeout(5):
            [answered] = await fake.wait_for_call("answerCallbackQuery")
            await bot.woken.wait()
        assert not answered.in_webhook_answer  # no webhook to answer in: a request of its own
        await bot.flush()

        offsets = [int(c.params.get("offset", 0)) for c in fake.calls_to("getUpdates")]
        assert stranger["update_id"] + 1 in offsets
        webhook_post = await bot.http.post(f"{bot.url}/telegram/webhook", json=stranger)
        assert webhook_post.status_code == 404
    assert await checkins(sqlite_session_factory) == []
    assert fake.last_message(LAN.id).text.startswith("✓ Shipped\n")
