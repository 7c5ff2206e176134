"""Hostile input at the chat webhooks, correctly signed: never a 5xx, never a traceback, and a
request that was not answered 200 writes nothing.

Each example starts from an update or notification the platform really sends and breaks one to
three of its fields with what the issue found breaking things (None, integers wider than 64 bits,
lone surrogates, wrong types, long strings), or sends a body no platform sends at all (JSON
nested past the recursion limit, a 1 MB number, bytes that are not UTF-8).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot import telegram_fixtures as tg
from tests.bot import whatsapp_fixtures as wa
from wipbot.store.db import SessionFactory

pytestmark = pytest.mark.fuzz

HOSTILE: list[Any] = [
    None,
    2**64,
    -(2**63) - 1,
    2**63 - 1,
    "\ud800",
    "PO-1001 sewing \udfff 800",
    "",
    "x" * 5000,
    [],
    {},
    True,
    1.5,
    -1,
    0,
    {"id": None},
    [None, "\ud83d"],
    "\x00",
    "note\x00",
    "x" * 300,
    "9" * 5000,
    "²",
    "wa-more:99999999999999999999:0",
    "wa-more:²:0",
    2**31,
]
TYPED = [
    "9" * 5000,
    "9" * 4096,
    "1" + ",000" * 1500,
    "PO-1001-A sewing " + "9" * 4000,
    "PO-3001 sewing " + "9" * 5000,
    "²",
    "300²",
    "\x00",
    "seam\x00fix",
    "PO-1001-A sewing 800",
    "/checkin",
    "/qc",
    "/cancel",
]
"""What a contact might type at any step: each of these once failed a step (a 5,000-digit
number, a "²" that str.isdigit() admits, a NUL that PostgreSQL refuses in a note)."""
RAW_BODIES: list[bytes] = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 1, "message": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    b'{"update_id": ' + b"9" * 1_000_000 + b"}",
    b"\xff\xfe\x00garbage\x80",
    b'{"update_id": 5, "message": {"text": "\xed\xa0\x80"}}',
    b"",
    b"null",
    b"[]",
    b'"just a string"',
    b"NaN",
]
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document where a value could be replaced."""
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


values = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=40), st.integers(), st.none(), st.booleans()
)
mutations = st.lists(st.tuples(st.integers(min_value=0), values), min_size=1, max_size=3)


def mutate(document: dict[str, Any], changes: list[tuple[int, Any]]) -> dict[str, Any]:
    for index, value in changes:
        places = list(paths(document))
        document = replaced(document, places[index % len(places)], value)
    return document


class Tracebacks(logging.Handler):
    """Every ERROR or record with exc_info, from any logger, uvicorn's included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.found.append(record)


@pytest.fixture
def tracebacks() -> Iterator[Tracebacks]:
    handler = Tracebacks()
    loggers = [
        logging.getLogger(),
        logging.getLogger("uvicorn"),
        logging.getLogger("uvicorn.error"),
    ]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


# -- Telegram -----------------------------------------------------------------------------------


@pytest.fixture
async def telegram(session_factory: SessionFactory) -> AsyncIterator[tg.Bot]:
    """On both databases: PostgreSQL refuses what SQLite keeps (NUL, ids past their width)."""
    async with tg.invited_bot(session_factory) as bot:
        yield bot


async def post_telegram(bot: tg.Bot, body: bytes) -> int:
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": tg.SECRET, "Content-Type": "application/json"},
    )
    return response.status_code


def telegram_update(bot: tg.Bot, kind: str, pick: int = 0, typed: str = "") -> dict[str, Any]:
    """`pick` chooses a button of the last message, `typed` the text of a "typed" update or
    the caption of a "photo"."""
    last = bot.fake.last_message(tg.LAN.id)
    if kind == "click" and last.buttons:
        data = last.buttons[pick % len(last.buttons)]["callback_data"]
        return bot.fake.click_update(tg.LAN, last, data=data)
    if kind == "photo":
        return bot.fake.photo_update(tg.LAN, typed or "PO-1001 sewing 800")
    return bot.fake.text_update(tg.LAN, typed or "PO-1001-A sewing 800")


@FUZZ
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["click", "typed", "photo"]),
            st.integers(min_value=0),
            st.one_of(st.sampled_from(TYPED), st.text(max_size=20)),
        ),
        min_size=1,
        max_size=6,
    )
)
async def test_telegram_conversations_with_hostile_answers(
    telegram: tg.Bot, tracebacks: Tracebacks, steps: list[tuple[str, int, str]]
) -> None:
    """Real buttons and typed answers in any order: every update is answered 200 and the
    conversation goes on (a failed step would be redelivered, and fail, for hours)."""
    for kind, pick, typed in steps:
        update = telegram_update(telegram, kind, pick, typed)
        status = await post_telegram(telegram, json.dumps(update).encode())
        sent = update.get("message") or {}
        too_long = len(sent.get("text") or sent.get("caption") or "") > 4096  # Telegram's limit
        assert status == (400 if too_long else 200), (kind, typed[:40], status)
        await telegram.flush()
    assert not tracebacks.found, tracebacks.found[0].getMessage()


@FUZZ
@given(kind=st.sampled_from(["text", "click", "photo"]), changes=mutations)
async def test_telegram_mutated_updates(
    telegram: tg.Bot, tracebacks: Tracebacks, kind: str, changes: list[tuple[int, Any]]
) -> None:
    bot = telegram
    update = telegram_update(bot, kind)
    body = json.dumps(mutate(update, changes)).encode()
    before = await tg.count_rows(bot.session_factory)
    status = await post_telegram(bot, body)
    after = await tg.count_rows(bot.session_factory)
    assert status in (200, 400), status
    assert status == 200 or after == before
    assert not tracebacks.found, tracebacks.found[0].getMessage()


@FUZZ
@given(body=st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200)))
async def test_telegram_bodies_no_platform_sends(
    telegram: tg.Bot, tracebacks: Tracebacks, body: bytes
) -> None:
    before = await tg.count_rows(telegram.session_factory)
    assert await post_telegram(telegram, body) == 400
    assert await tg.count_rows(telegram.session_factory) == before
    assert not tracebacks.found, tracebacks.found[0].getMessage()


# -- WhatsApp -----------------------------------------------------------------------------------


@pytest.fixture
async def whatsapp(session_factory: SessionFactory) -> AsyncIterator[wa.Bot]:
    async with wa.invited_bot(session_factory) as bot:
        yield bot


def whatsapp_notification(bot: wa.Bot, kind: str, typed: str = "") -> dict[str, Any]:
    bot.clock.advance(seconds=30)
    if kind == "status":
        return bot.fake.status_notification(
            bot.fake.last_message(wa.RAHIMA), "delivered", at=bot.clock()
        )
    if kind == "tap":
        notification = bot.fake.text_notification(wa.RAHIMA, "x", at=bot.clock())
        message = notification["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"] = "interactive"
        reply = {"id": typed, "title": "More"}
        message["interactive"] = {"type": "list_reply", "list_reply": reply}
        return notification
    return bot.fake.text_notification(wa.RAHIMA, typed or "PO-3001 sewing 800", at=bot.clock())


ROW_IDS = ["wa-more:99999999999999999999:0", "wa-more:2147483648:0", "wa-more:²:1", "wa-more:1:²"]


@FUZZ
@given(
    kind=st.sampled_from(["text", "tap"]),
    typed=st.one_of(st.sampled_from([*TYPED, *ROW_IDS]), st.text(max_size=30)),
)
async def test_whatsapp_hostile_answers_and_rows(
    whatsapp: wa.Bot, tracebacks: Tracebacks, kind: str, typed: str
) -> None:
    response = await whatsapp.post(whatsapp_notification(whatsapp, kind, typed))
    assert response.status_code == 200, (kind, typed[:40], response.status_code)
    await whatsapp.flush()
    assert not tracebacks.found, tracebacks.found[0].getMessage()


@FUZZ
@given(kind=st.sampled_from(["text", "status"]), changes=mutations)
async def test_whatsapp_mutated_notifications(
    whatsapp: wa.Bot, tracebacks: Tracebacks, kind: str, changes: list[tuple[int, Any]]
) -> None:
    bot = whatsapp
    body = json.dumps(mutate(whatsapp_notification(bot, kind), changes)).encode()
    before = await wa.count_rows(bot.session_factory)
    response = await bot.post(body)
    after = await wa.count_rows(bot.session_factory)
    assert response.status_code in (200, 400), response.status_code
    assert response.status_code == 200 or after == before
    assert not tracebacks.found, tracebacks.found[0].getMessage()


@FUZZ
@given(body=st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200)))
async def test_whatsapp_bodies_no_platform_sends(
    whatsapp: wa.Bot, tracebacks: Tracebacks, body: bytes
) -> None:
    before = await wa.count_rows(whatsapp.session_factory)
    response = await whatsapp.post(body)
    assert response.status_code in (200, 400)
    assert await wa.count_rows(whatsapp.session_factory) == before
    assert not tracebacks.found, tracebacks.found[0].getMessage()
