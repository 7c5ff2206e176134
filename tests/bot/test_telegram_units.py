"""The Telegram adapter's rules, without a server: layout, error mapping, translation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from tests.fakes.telegram_api import payload
from wipbot.bot.telegram.channel import file_url
from wipbot.bot.telegram.commands import bot_commands
from wipbot.bot.telegram.dispatch import outbox_payloads
from wipbot.bot.telegram.keyboards import clicked_label, inline_keyboard, layout_rows
from wipbot.bot.telegram.translate import Click, inbound_from_click, inbound_from_message
from wipbot.bot.telegram.transport import delivery_error, fit_text
from wipbot.bot.telegram.webhook import secret_matches
from wipbot.handlers.messages import Button, Reply
from wipbot.store.outbox import PermanentFailure, RetryLater

NOW = datetime(2025, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("labels", "rows"),
    [
        ([], []),
        (["Yes"], [[0]]),
        (["3 days", "7 days", "14 days"], [[0, 1, 2]]),
        (["3 days", "7 days", "14 days", "30 days"], [[0, 1, 2], [3]]),
        (["Confirm", "Edit"], [[0, 1]]),
        (["Still Jan 15", "New date"], [[0, 1]]),
        (["Materials in", "Cutting", "Sewing", "Finishing"], [[0, 1, 2], [3]]),
        (["A label far too long to share its row", "Skip"], [[0], [1]]),
        (["Skip", "A label far too long to share its row"], [[0], [1]]),
        (["Sample re-approval", "QC rejection", "Other"], [[0, 1], [2]]),
    ],
)
def test_buttons_share_a_row_while_their_labels_fit(
    labels: list[str], rows: list[list[int]]
) -> None:
    assert layout_rows(labels) == rows


@pytest.mark.parametrize("value", ["", "v" * 65, "ü" * 33])
def test_callback_data_telegram_refuses_is_caught_before_sending(value: str) -> None:
    with pytest.raises(ValueError, match="1-64 bytes"):
        inline_keyboard((Button("label", value),))


def test_no_buttons_means_no_keyboard() -> None:
    assert inline_keyboard(()) is None


def test_a_click_knows_the_label_of_its_button_without_the_mark() -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Cutting", callback_data="m:cutting")],
            [InlineKeyboardButton("✓ Sewing", callback_data="m:sewing")],
        ]
    )
    assert clicked_label(markup, "m:cutting") == "Cutting"
    assert clicked_label(markup, "m:sewing") == "Sewing"
    assert clicked_label(markup, "m:shipped") is None
    assert clicked_label(None, "m:cutting") is None


@pytest.mark.parametrize(
    ("error", "kind", "retry_after"),
    [
        (lambda: RetryAfter(12), RetryLater, 12.0),
        (lambda: TimedOut(), RetryLater, None),
        (lambda: NetworkError("Bad Gateway"), RetryLater, None),
        (lambda: NetworkError("Internal Server Error"), RetryLater, None),
        (lambda: InvalidToken("Unauthorized"), RetryLater, None),
        (lambda: Conflict("terminated by other getUpdates request"), RetryLater, None),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), PermanentFailure, None),
        (lambda: BadRequest("Bad Request: chat not found"), PermanentFailure, None),
        (lambda: ChatMigrated(-100123), PermanentFailure, None),
        (lambda: TelegramError("something new"), RetryLater, None),
    ],
)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_telegram_errors_map_to_retry_or_dead_letter(
    error: Callable[[], TelegramError], kind: type[Exception], retry_after: float | None
) -> None:
    mapped = delivery_error(error())
    assert type(mapped) is kind
    assert mapped.retry_after == retry_after


def test_a_long_text_is_cut_to_telegrams_limit() -> None:
    assert fit_text("short") == "short"
    assert fit_text("x" * 4096) == "x" * 4096
    assert fit_text("x" * 4097) == "x" * 4095 + "…"


@pytest.mark.parametrize(
    ("api_url", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://proxy/tg/bot", "http://proxy/tg/file/bot"),
    ],
)
def test_files_are_fetched_beside_the_configured_api(api_url: str, files: str) -> None:
    assert file_url(api_url) == files


@pytest.mark.parametrize(
    ("given", "ok"),
    [("s3cret", True), ("s3cret ", False), ("S3cret", False), ("", False), (None, False)],
)
def test_the_secret_must_match_exactly(given: str | None, ok: bool) -> None:
    assert secret_matches(given, "s3cret") is ok


def test_a_recorded_text_message_becomes_an_inbound() -> None:
    update = Update.de_json(payload("message_text"), None)
    inbound = inbound_from_message(update, NOW)
    assert inbound is not None
    assert (inbound.platform, inbound.chat_id, inbound.inbound_id) == (
        "telegram",
        "5102938476",
        "815770001",
    )
    assert (inbound.text, inbound.language_hint, inbound.sender_name) == (
        "xin chào",
        "vi",
        "Lan Nguyen",
    )
    assert inbound.received_at == NOW


def test_a_recorded_command_keeps_its_argument() -> None:
    inbound = inbound_from_message(Update.de_json(payload("message_command"), None), NOW)
    assert inbound is not None and inbound.command == ("start", "4kq9ZtR2xW8pLm3n")


def test_a_recorded_photo_keeps_its_largest_size_and_its_caption() -> None:
    inbound = inbound_from_message(Update.de_json(payload("message_photo"), None), NOW)
    assert inbound is not None
    assert (inbound.photo_file_id, inbound.text) == ("AgACAgUAAxkBAAIBE2dHc1-x", "bàn cắt số 3")


def test_an_image_sent_as_a_file_counts_as_a_photo() -> None:
    data = payload("message_text")
    del data["message"]["text"]
    data["message"]["document"] = {
        "file_id": "BQACAgUAAxkBAAIBF2dHdoc",
        "file_unique_id": "AgADdoc",
        "file_name": "line3.jpg",
        "mime_type": "image/jpeg",
    }
    inbound = inbound_from_message(Update.de_json(data, None), NOW)
    assert inbound is not None and inbound.photo_file_id == "BQACAgUAAxkBAAIBF2dHdoc"
    data["message"]["document"]["mime_type"] = "application/pdf"
    pdf = inbound_from_message(Update.de_json(data, None), NOW)
    assert pdf is not None and pdf.photo_file_id is None


def test_a_recorded_click_becomes_a_choice_on_its_message() -> None:
    translated = inbound_from_click(Update.de_json(payload("callback_query"), None), NOW)
    assert translated is not None
    inbound, click = translated
    assert (inbound.chat_id, inbound.inbound_id, inbound.choice) == (
        "5102938476",
        "815770004",
        "m:sewing",
    )
    assert click.message_id == 20
    assert click.label == "Sewing"


def test_a_click_in_a_group_is_not_a_factory_conversation() -> None:
    data = payload("callback_query")
    data["callback_query"]["message"]["chat"] = {"id": -100200, "type": "group", "title": "x"}
    assert inbound_from_click(Update.de_json(data, None), NOW) is None


def test_only_replies_that_replace_the_previous_message_point_at_the_clicked_one() -> None:
    replies = [Reply("Saved."), Reply("Any issues?", (Button("Done", "i:done"),), True)]
    click = Click(20, "Sewing")
    assert [p.get("message_id") for p in outbox_payloads(replies, click)] == [None, 20]
    assert [p.get("message_id") for p in outbox_payloads(replies, None)] == [None, None]


def test_the_choice_a_click_took_heads_the_next_message_only() -> None:
    replies = [Reply("How many are sewn?"), Reply("Second")]
    click = Click(20, "Sewing")
    taken = outbox_payloads(replies, click, moved_on=True)
    assert [p["text"] for p in taken] == ["✓ Sewing\nHow many are sewn?", "Second"]
    stale = outbox_payloads(replies, click, moved_on=False)
    assert [p["text"] for p in stale] == ["How many are sewn?", "Second"]
    unlabelled = outbox_payloads(replies, Click(20, None), moved_on=True)
    assert unlabelled[0]["text"] == "How many are sewn?"


@pytest.mark.parametrize(("language", "words"), [(None, "QC inspection"), ("zh-Hans", "质检")])
def test_the_command_menu_offers_the_inspection_in_the_contacts_language(
    language: str | None, words: str
) -> None:
    menu = {c.command: c.description for c in bot_commands(language)}
    assert list(menu) == ["checkin", "status", "qc", "cancel", "help"]
    assert words in menu["qc"]
