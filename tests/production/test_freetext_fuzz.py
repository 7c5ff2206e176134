"""The free-text shortcut and the date reader over any text a contact could send.

Properties: no exception for any text, in any supported language, on any day; a draft always
names exactly one PO that appears in the text, a positive quantity if any, delays that are
not negative, and a revised date that is a real calendar day; a date found is within its text.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wipbot.production.dates import find_dates, parse_date
from wipbot.production.freetext import EXAMPLES, DraftCheckin, parse_checkin_text
from wipbot.production.language import SUPPORTED, prepare_text

pytestmark = pytest.mark.fuzz

languages = st.sampled_from([*SUPPORTED, "xx", "", "zh", "EN-us"])
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
words = st.sampled_from(
    [
        *EXAMPLES.values(),
        "PO-1042",
        "po 7",
        "PO-",
        "31/02",
        "29/2",
        "9999-99-99",
        "next monday",
        "ngày 31 tháng 2",
        "明天",
        "3月40日",
        "৩১/১২",
        "5 gün",
        "-5 days",
        "99999999999999999999999",
        "9" * 5000,  # past int()'s 4,300-digit limit
        "1" + ",000" * 1500,
        "²",
        "①",
        "\ud800",
        "\x00",
        "‮",
        "۱۲۳",
    ]
)
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(words, st.text(max_size=8)), max_size=12).map(" ".join),
)


@given(text=texts, language=languages, today=days)
def test_any_text_gives_a_draft_or_a_reason_never_an_exception(
    text: str, language: str, today: date
) -> None:
    result = parse_checkin_text(text, language, today)
    if isinstance(result, DraftCheckin):
        number = result.po_ref.removeprefix("PO-")
        assert number and number.casefold() in prepare_text(text).casefold()
        assert result.quantity is None or result.quantity >= 0
        assert all(issue.delay_days is None or issue.delay_days >= 0 for issue in result.issues)
        assert result.revised_exf is None or isinstance(result.revised_exf, date)
    else:
        assert result.reason in {"empty", "no_po", "many_po", "bad_date", "no_content"}


@given(text=texts, language=languages, today=days)
def test_any_text_gives_dates_within_it_never_an_exception(
    text: str, language: str, today: date
) -> None:
    prepared = prepare_text(text)
    for found in find_dates(text, language, today):
        assert 0 <= found.start < found.end <= len(prepared)
    single = parse_date(text, language, today)
    assert single is None or isinstance(single, date)
