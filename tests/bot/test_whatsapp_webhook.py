"""The webhook as Meta meets it: handshake, signatures, onboarding, duplicates, statuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.bot.whatsapp_fixtures import (
    RAHIMA,
    STRANGER,
    Bot,
    Clock,
    count_rows,
    encode,
    outbox,
    running_bot,
    seed,
    settings_for,
)
from tests.fakes.graph_api import APP_SECRET, VERIFY_TOKEN, FakeGraphApi
from wipbot.bot.channel import ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.runtime import build_runtime
from wipbot.bot.whatsapp import build_whatsapp_channel
from wipbot.bot.whatsapp.signature import sign
from wipbot.store.db import SessionFactory
from wipbot.store.models import Contact, ConversationState, OutboxMessage


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeGraphApi, sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with running_bot(fake, sqlite_session_factory, Clock()) as running:
        yield running


async def contact_named(session_factory: SessionFactory, name: str) -> Contact:
    async with session_factory() as s:
        return (await s.exec(select(Contact).where(Contact.name == name))).one()


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        (
            {
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
            200,
            "1158201444",
        ),
        (
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
            403,
            None,
        ),
        (
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            403,
            None,
        ),
        ({"hub.challenge": "1158201444"}, 403, None),
    ],
    ids=["subscribe", "wrong-token", "wrong-mode", "no-token"],
)
async def test_verification_handshake(
    bot: Bot, params: dict[str, str], status: int, body: str | None
) -> None:
    response = await bot.http.get(bot.webhook, params=params)
    assert response.status_code == status
    if body is not None:
        assert response.text == body
        assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "sha256=" + "0" * 64,
        sign("another-app-secret", b"{}"),
        "sha1=deadbeef",
        "",
    ],
    ids=["missing", "zeros", "other-secret", "wrong-scheme", "empty"],
)
async def test_bad_signature_is_refused_and_writes_nothing(
    bot: Bot, sqlite_session_factory: SessionFactory, signature: str | None
) -> None:
    await seed(sqlite_session_factory, "Rahima")
    before = await count_rows(sqlite_session_factory)
    notification = bot.fake.text_notification(STRANGER, "hello", at=bot.clock())
    response = await bot.post(notification, signature=signature)
    assert response.status_code == 401
    assert await count_rows(sqlite_session_factory) == before
    assert bot.wakes == []


async def test_signature_of_another_body_is_refused(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    signed = encode(bot.fake.text_notification(STRANGER, "hello", at=bot.clock()))
    tampered = signed.replace(b"hello", b"hellO")
    response = await bot.post(tampered, signature=sign(APP_SECRET, signed))
    assert response.status_code == 401
    assert (await count_rows(sqlite_session_factory))["seen_inbound"] == 0


async def test_signature_is_checked_over_raw_non_ascii_bytes(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    """Bengali text sent as raw UTF-8: re-encoding the parsed JSON would change the bytes."""
    notification = bot.fake.text_notification(STRANGER, "আমার অর্ডারের অবস্থা কী?", at=bot.clock())
    body = encode(notification)
    assert "অর্ডার".encode() in body
    response = await bot.post(body)
    assert response.status_code == 200
    assert (await count_rows(sqlite_session_factory))["seen_inbound"] == 1


async def test_unknown_number_is_only_told_how_to_get_access(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    await seed(sqlite_session_factory, "Rahima")
    answers = await bot.say(STRANGER, "Hi, what is the status of PO-3001?")
    assert len(answers) == 1
    assert answers[0].kind == "text"
    assert "invite" in answers[0].text
    assert "PO-3001" not in answers[0].text
    rows = await count_rows(sqlite_session_factory)
    assert rows["contact"] == 1
    async with sqlite_session_factory() as s:
        assert (await s.exec(select(ConversationState))).all() == []


async def test_invite_code_as_first_message_links_the_number(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Rahima")
    answers = await bot.say(RAHIMA, seeded.invites["Rahima"])
    contact = await contact_named(sqlite_session_factory, "Rahima")
    assert contact.chat_id == RAHIMA
    assert contact.invite_code is None
    assert "Welcome, Rahima" in answers[0].text
    assert answers[-1].kind == "interactive"
    assert "PO-3001-A" in answers[-1].text
    assert bot.wakes, "the sender was woken up for the replies"


async def test_invite_code_is_not_accepted_after_other_text(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Rahima")
    await bot.say(RAHIMA, "hello")
    answers = await bot.say(RAHIMA, f"my code is {seeded.invites['Rahima']}")
    assert "invite" in answers[0].text
    assert (await contact_named(sqlite_session_factory, "Rahima")).chat_id is None


async def test_duplicate_message_id_is_acted_on_once(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Rahima")
    notification = bot.fake.text_notification(RAHIMA, seeded.invites["Rahima"], at=bot.clock())
    first = await bot.post(notification)
    rows = await count_rows(sqlite_session_factory)
    again = await bot.post(notification)
    assert (first.status_code, again.status_code) == (200, 200)
    assert await count_rows(sqlite_session_factory) == rows
    await bot.flush()
    assert sum("Welcome" in m.text for m in bot.fake.messages(RAHIMA)) == 1


async def test_notification_for_another_number_is_ignored(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    notification = bot.fake.text_notification(STRANGER, "hello", at=bot.clock())
    notification["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert (await bot.post(notification)).status_code == 200
    assert (await count_rows(sqlite_session_factory))["seen_inbound"] == 0


async def test_statuses_are_recorded_forward_only(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    await bot.say(STRANGER, "hello")
    sent = bot.fake.last_message(STRANGER)
    at = bot.clock()
    steps = [
        ("delivered", at + timedelta(seconds=2)),
        ("read", at + timedelta(seconds=9)),
        ("delivered", at + timedelta(seconds=3)),  # late and repeated: changes nothing
        ("read", at + timedelta(seconds=9)),
    ]
    for status, when in steps:
        response = await bot.post(bot.fake.status_notification(sent, status, at=when))
        assert response.status_code == 200
    (row,) = await outbox(sqlite_session_factory)
    assert row.platform_message_id == sent.id
    assert row.delivery_status == "read"
    assert row.delivery_status_at == at + timedelta(seconds=9)


async def test_failed_status_keeps_metas_reason(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    await bot.say(STRANGER, "hello")
    sent = bot.fake.last_message(STRANGER)
    await bot.post(bot.fake.status_notification(sent, "failed", at=bot.clock()))
    (row,) = await outbox(sqlite_session_factory)
    assert row.delivery_status == "failed"
    assert "131047" in row.last_error


async def test_image_is_kept_by_media_id(bot: Bot, sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory, "Rahima")
    await bot.say(RAHIMA, seeded.invites["Rahima"])
    bot.clock.advance(seconds=30)
    notification = bot.fake.image_notification(RAHIMA, "1003383421387256", at=bot.clock())
    answers = await bot.answers(RAHIMA, notification)
    assert "Photo" in answers[0].text
    async with sqlite_session_factory() as s:
        contact = (await s.exec(select(Contact).where(Contact.chat_id == RAHIMA))).one()
        state = (
            await s.exec(
                select(ConversationState).where(ConversationState.contact_id == contact.id)
            )
        ).one()
    assert state.data["draft"]["photos"] == ["1003383421387256"]


async def test_replies_wait_in_the_outbox_marked_as_answers(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    response = await bot.post(bot.fake.text_notification(STRANGER, "hello", at=bot.clock()))
    assert response.status_code == 200
    (row,) = await outbox(sqlite_session_factory)
    assert isinstance(row, OutboxMessage)
    assert (row.platform, row.chat_id, row.status) == ("whatsapp", STRANGER, "pending")
    assert row.payload["template"] is None
    assert row.payload["in_reply_to_at"] == bot.clock().isoformat()


def test_channel_is_off_without_token_and_number(sqlite_session_factory: SessionFactory) -> None:
    settings = Settings(_env_file=None, WHATSAPP_APP_SECRET="x")  # type: ignore[call-arg]
    assert build_whatsapp_channel(ChannelContext(settings, sqlite_session_factory)) is None
    assert settings.channels()["whatsapp"] == "off"


async def test_runtime_serves_the_webhook_when_configured(
    fake: FakeGraphApi, sqlite_session_factory: SessionFactory
) -> None:
    runtime = build_runtime(settings_for(fake), sqlite_session_factory)
    assert "whatsapp" in runtime.transports
    paths = {getattr(route, "path", None) for route in runtime.app.routes}
    assert "/whatsapp/webhook" in paths
    for channel in runtime.channels:
        await channel.stop()


async def test_without_secrets_the_webhook_refuses_everything(
    fake: FakeGraphApi, sqlite_session_factory: SessionFactory
) -> None:
    clock = Clock()
    async with running_bot(
        fake,
        sqlite_session_factory,
        clock,
        WHATSAPP_APP_SECRET=None,
        WHATSAPP_VERIFY_TOKEN=None,
    ) as bot:
        notification = bot.fake.text_notification(STRANGER, "hello", at=clock())
        assert (await bot.post(notification)).status_code == 401
        handshake = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        assert (await bot.http.get(bot.webhook, params=handshake)).status_code == 403
    assert (await count_rows(sqlite_session_factory))["seen_inbound"] == 0
