"""Catalogs: every message of the code translated in every language, with the same placeholders."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from wipbot.handlers.i18n import (
    LANGUAGES,
    catalog_language,
    format_date,
    format_number,
    po_path,
    resolve_language,
    translator,
)

HANDLERS = Path(__file__).resolve().parents[2] / "src" / "wipbot" / "handlers"


def code_messages() -> set[str]:
    found: set[str] = set()
    for path in sorted(HANDLERS.glob("*.py")):
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"_": None, "N_": None}
        ):
            assert isinstance(message, str)
            found.add(message)
    return found


def catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle)


def placeholders(message: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(message) if field is not None}


def test_the_english_catalog_holds_exactly_the_messages_in_the_code() -> None:
    messages = code_messages()
    assert len(messages) > 80
    in_catalog = {m.id for m in catalog("en") if m.id}
    assert sorted(messages - in_catalog) == []
    assert sorted(in_catalog - messages) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    messages = {m.id: m.string for m in catalog(language) if m.id}
    assert set(messages) == code_messages()
    for msgid, translation in messages.items():
        assert isinstance(msgid, str) and isinstance(translation, str)
        assert translation.strip(), f"{language}: {msgid!r} is not translated"
        assert placeholders(translation) == placeholders(msgid), f"{language}: {msgid!r}"
        if language != "en":
            assert translation != msgid or not any(c.isalpha() for c in msgid), msgid


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Confirm"),
        ("zh-Hans", "确认"),
        ("vi", "Xác nhận"),
        ("bn", "নিশ্চিত করুন"),
        ("tr", "Onayla"),
        ("fr", "Confirm"),
        (None, "Confirm"),
    ],
)
def test_translator(language: str | None, expected: str) -> None:
    assert translator(language)("Confirm") == expected


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh-CN", "zh-Hans"),
        ("zh_Hans", "zh-Hans"),
        ("vi-VN", "vi"),
        ("bn-BD", "bn"),
        ("tr", "tr"),
        ("en-GB", "en"),
        ("pt-BR", None),
        ("", None),
        (None, None),
    ],
)
def test_catalog_language(tag: str | None, language: str | None) -> None:
    assert catalog_language(tag) == language


def test_the_first_shipped_language_wins() -> None:
    assert resolve_language(None, "pt-BR", "bn") == "bn"
    assert resolve_language("vi", "tr") == "vi"
    assert resolve_language("de", None) == "en"


@pytest.mark.parametrize(
    ("language", "day", "number"),
    [
        ("en", "Dec 15", "1,200"),
        ("zh-Hans", "12月15日", "1,200"),
        ("vi", "15 thg 12", "1.200"),
        ("tr", "15 Ara", "1.200"),
        ("bn", "15 ডিসে", "1,200"),
    ],
)
def test_dates_and_numbers_follow_the_locale(language: str, day: str, number: str) -> None:
    assert format_date(date(2026, 12, 15), language) == day
    assert format_number(1200, language) == number
