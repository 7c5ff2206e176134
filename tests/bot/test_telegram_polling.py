"""Without a public URL the bot long-polls getUpdates and serves no webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.bot.telegram_fixtures import LAN, STRANGER, Clock, running_bot, seed
from tests.fakes.telegram_api import FakeTelegramApi, payload
from tests.rows import all_of, checkins
from wipbot.store.db import SessionFactory
from wipbot.store.models import CheckInPhoto

PHOTO_FILE_ID_SENT = max(
    payload("message_photo")["message"]["photo"], key=lambda size: size["width"]
)["file_id"]


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


def _long_file_id(update: dict[str, Any]) -> dict[str, Any]:
    for size in update["message"]["photo"]:
        size["file_id"] = "F" * 300
    return update


@pytest.mark.parametrize(
    ("odd", "answered", "note"),
    [
        (lambda fake: fake.photo_update(LAN, "seam\x00fix"), True, "seam\ufffdfix"),
        (lambda fake: fake.photo_update(LAN, "seam\ud800fix"), True, "seam\ufffdfix"),
        (lambda fake: _long_file_id(fake.photo_update(LAN, "seam")), False, ""),
    ],
    ids=["nul-caption", "surrogate-caption", "file-id-past-its-column"],
)
async def test_long_polling_checks_an_update_as_the_webhook_does(
    session_factory: SessionFactory,
    odd: Callable[[FakeTelegramApi], dict[str, Any]],
    answered: bool,
    note: str,
) -> None:
    """getUpdates skipped the webhook's checks: a NUL in a caption made PostgreSQL refuse the
    check-in at every confirmation, a file id past its column did the same, and a lone surrogate
    failed on both databases. Cleaned, or skipped as the webhook's 400 would, the check-in goes
    through."""
    seeded = await seed(session_factory, "Lan")
    async with (
        FakeTelegramApi() as fake,
        running_bot(fake, session_factory, Clock(), webhook=False) as bot,
    ):

        async def poll(update: dict[str, Any]) -> None:
            fake.queue_update(update)
            async with asyncio.timeout(5):
                await bot.woken.wait()
            bot.woken.clear()
            await bot.flush()

        await poll(fake.text_update(LAN, f"/start {seeded.invites['Lan']}"))
        for step in ("m:sewing", "q:all", "i:none", "x:keep"):
            await poll(fake.click_update(LAN, fake.last_message(LAN.id), data=step))
        summary = fake.last_message(LAN.id)
        if answered:
            await poll(odd(fake))
            assert fake.last_message(LAN.id).text == "Photo and its caption added to this check-in."
        else:
            fake.queue_update(odd(fake))
        await poll(fake.click_update(LAN, summary, data="c:confirm"))
    [saved] = await checkins(session_factory)
    assert (saved.qty_sewn, saved.note) == (1200, note)
    photos = await all_of(session_factory, CheckInPhoto)
    assert [len(p.file_id) for p in photos] == ([len(PHOTO_FILE_ID_SENT)] if answered else [])
