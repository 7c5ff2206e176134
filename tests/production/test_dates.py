from __future__ import annotations

from datetime import date, timedelta

import pytest

from wipbot.production.dates import PAST_TOLERANCE_DAYS, find_dates, parse_date
from wipbot.production.language import prepare_text

WEDNESDAY = date(2026, 11, 18)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # numerics, day first, in any language
        ("en", "15/12", d(12, 15)),
        ("en", "15.12", d(12, 15)),
        ("en", "15-12", d(12, 15)),
        ("en", "15/12/2026", d(12, 15)),
        ("en", "15/12/27", d(12, 15, 2027)),
        ("en", "2026-12-15", d(12, 15)),
        ("en", "2026/12/15", d(12, 15)),
        ("en", "05/06", d(6, 5, 2027)),
        ("en", "12/15", d(12, 15)),
        ("en", "15.12.", d(12, 15)),
        ("vi", "15/12", d(12, 15)),
        ("tr", "15.12.2026", d(12, 15)),
        ("zh-Hans", "１５／１２", d(12, 15)),
        ("bn", "১৫/১২", d(12, 15)),
        ("bn", "১৫/১২/২০২৭", d(12, 15, 2027)),
        # English month names, both orders
        ("en", "Dec 15", d(12, 15)),
        ("en", "15 Dec", d(12, 15)),
        ("en", "December 15th", d(12, 15)),
        ("en", "15th of December", d(12, 15)),
        ("en", "Dec 15, 2027", d(12, 15, 2027)),
        ("en", "15-Dec-26", d(12, 15)),
        ("en", "1 Jan", d(1, 1, 2027)),
        ("en", "sept 3rd", d(9, 3, 2027)),
        ("vi", "Dec 15", d(12, 15)),
        ("tr", "15 Dec", d(12, 15)),
        # English relative
        ("en", "today", WEDNESDAY),
        ("en", "Tomorrow", d(11, 19)),
        ("en", "day after tomorrow", d(11, 20)),
        ("en", "in 5 days", d(11, 23)),
        ("en", "in 2 weeks", d(12, 2)),
        ("en", "10 days from now", d(11, 28)),
        ("en", "next week", d(11, 25)),
        ("en", "Friday", d(11, 20)),
        ("en", "fri", d(11, 20)),
        ("en", "this Friday", d(11, 20)),
        ("en", "Wednesday", d(11, 25)),
        ("en", "Monday", d(11, 23)),
        ("en", "next Friday", d(11, 27)),
        ("en", "next Monday", d(11, 23)),
        ("en", "Friday next week", d(11, 27)),
        ("en", "new date: 15/12", d(12, 15)),
        ("en", "ex-factory Dec 15", d(12, 15)),
        ("en", "by 20/12.", d(12, 20)),
        # Chinese
        ("zh-Hans", "12月15日", d(12, 15)),
        ("zh-Hans", "12月15号", d(12, 15)),
        ("zh", "12月15", d(12, 15)),
        ("zh-CN", "2027年1月5日", d(1, 5, 2027)),
        ("zh", "今天", WEDNESDAY),
        ("zh", "明天", d(11, 19)),
        ("zh", "后天", d(11, 20)),
        ("zh", "大后天", d(11, 21)),
        ("zh", "5天后", d(11, 23)),
        ("zh", "2周后", d(12, 2)),
        ("zh", "下周五", d(11, 27)),
        ("zh", "下星期五", d(11, 27)),
        ("zh", "下礼拜一", d(11, 23)),
        ("zh", "周五", d(11, 20)),
        ("zh", "星期天", d(11, 22)),
        ("zh", "这周一", d(11, 16)),
        ("zh", "下周", d(11, 25)),
        ("zh", "新日期 12月15日", d(12, 15)),
        ("zh_Hans", "交期改到12月20号", d(12, 20)),
        # Vietnamese, with and without diacritics
        ("vi", "15 tháng 12", d(12, 15)),
        ("vi", "ngày 15 tháng 12 năm 2027", d(12, 15, 2027)),
        ("vi", "ngày 15/12", d(12, 15)),
        ("vi", "hôm nay", WEDNESDAY),
        ("vi", "ngày mai", d(11, 19)),
        ("vi", "ngay mai", d(11, 19)),
        ("vi", "ngày kia", d(11, 20)),
        ("vi", "5 ngày nữa", d(11, 23)),
        ("vi", "sau 5 ngày", d(11, 23)),
        ("vi", "2 tuần nữa", d(12, 2)),
        ("vi", "thứ sáu tuần sau", d(11, 27)),
        ("vi", "thứ 6 tuần sau", d(11, 27)),
        ("vi", "thứ sáu", d(11, 20)),
        ("vi", "thu sau", d(11, 20)),
        ("vi", "thứ 2", d(11, 23)),
        ("vi", "chủ nhật", d(11, 22)),
        ("vi", "tuần sau", d(11, 25)),
        # Bengali
        ("bn", "১৫ ডিসেম্বর", d(12, 15)),
        ("bn", "১৫ই ডিসেম্বর", d(12, 15)),
        ("bn", "ডিসেম্বর ১৫", d(12, 15)),
        ("bn-BD", "২রা জানুয়ারি", d(1, 2, 2027)),
        ("bn", "১৫ ডিসেম্বর ২০২৭", d(12, 15, 2027)),
        ("bn", "আজ", WEDNESDAY),
        ("bn", "আগামীকাল", d(11, 19)),
        ("bn", "৫ দিন পরে", d(11, 23)),
        ("bn", "আগামী শুক্রবার", d(11, 20)),
        ("bn", "শুক্রবার", d(11, 20)),
        ("bn", "শুক্রবারে", d(11, 20)),
        ("bn", "আগামী সপ্তাহের শুক্রবার", d(11, 27)),
        ("bn", "আগামী সপ্তাহে", d(11, 25)),
        ("bn", "নতুন তারিখ ১৫ ডিসেম্বর", d(12, 15)),
        # Turkish, with case endings
        ("tr", "15 Aralık", d(12, 15)),
        ("tr", "15 ARALIK", d(12, 15)),
        ("tr", "15 aralik", d(12, 15)),
        ("tr", "15 Aralık 2027", d(12, 15, 2027)),
        ("tr", "15 Aralık'ta", d(12, 15)),
        ("tr", "3 Ocak", d(1, 3, 2027)),
        ("tr", "bugün", WEDNESDAY),
        ("tr", "yarın", d(11, 19)),
        ("tr", "yarin", d(11, 19)),
        ("tr", "5 gün sonra", d(11, 23)),
        ("tr", "2 hafta sonra", d(12, 2)),
        ("tr", "gelecek cuma", d(11, 20)),
        ("tr", "cuma", d(11, 20)),
        ("tr", "cumaya", d(11, 20)),
        ("tr", "cumartesi", d(11, 21)),
        ("tr", "pazartesi", d(11, 23)),
        ("tr", "haftaya cuma", d(11, 27)),
        ("tr", "gelecek hafta", d(11, 25)),
        ("tr", "yeni tarih 15 Aralık", d(12, 15)),
        # unknown languages read English rules and universal numerics
        ("pt-BR", "15/12", d(12, 15)),
        ("xx", "tomorrow", d(11, 19)),
        ("", "Dec 15", d(12, 15)),
    ],
)
def test_understood_dates(language: str, text: str, expected: date) -> None:
    assert parse_date(text, language, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", ""),
        ("en", "   "),
        ("en", "hello"),
        ("en", "31/02"),
        ("en", "30/02/2027"),
        ("en", "29/02"),
        ("en", "32/12"),
        ("en", "15/13"),
        ("en", "2.5"),
        ("en", "15.30"),
        ("en", "Feb 30"),
        ("en", "15/12 maybe"),
        ("en", "15/12 or 20/12"),
        ("en", "in days"),
        ("en", "next"),
        ("en", "5 days"),
        ("pt-BR", "amanhã"),
        ("zh", "明年"),
        ("zh", "2月30日"),
        ("vi", "ngày"),
        ("vi", "31 tháng 4"),
        ("vi", "lần thứ 2"),
        ("bn", "৩১ ফেব্রুয়ারি"),
        ("bn", "কাল"),
        ("tr", "31 Şubat"),
        ("tr", "haftalar"),
    ],
)
def test_not_dates(language: str, text: str) -> None:
    assert parse_date(text, language, WEDNESDAY) is None


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 11, 20), "10/11", date(2026, 11, 10)),  # just passed: stays this year
        (date(2026, 11, 18), "4/11", date(2026, 11, 4)),  # exactly the tolerance
        (date(2026, 11, 18), "3/11", date(2027, 11, 3)),  # one day beyond it
        (date(2027, 1, 5), "28/12", date(2026, 12, 28)),  # just passed, across new year
        (date(2027, 1, 20), "3/1", date(2028, 1, 3)),
        (date(2026, 12, 28), "5/1", date(2027, 1, 5)),
        (date(2026, 12, 28), "Jan 5", date(2027, 1, 5)),
        (date(2027, 11, 18), "29/02", date(2028, 2, 29)),
        (date(2026, 11, 18), "18/11", date(2026, 11, 18)),
    ],
)
def test_year_is_the_next_occurrence_with_a_short_look_back(
    today: date, text: str, expected: date
) -> None:
    assert parse_date(text, "en", today) == expected
    assert expected >= today - timedelta(days=PAST_TOLERANCE_DAYS)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 11, 20), "Friday", date(2026, 11, 27)),  # never today
        (date(2026, 11, 20), "next Friday", date(2026, 11, 27)),
        (date(2026, 11, 20), "周五", date(2026, 11, 27)),
        (date(2026, 11, 22), "Monday", date(2026, 11, 23)),  # a Sunday: next week starts tomorrow
        (date(2026, 11, 22), "next Monday", date(2026, 11, 23)),
        (date(2026, 11, 16), "next Friday", date(2026, 11, 27)),
        (date(2026, 11, 16), "Friday", date(2026, 11, 20)),
        (date(2026, 11, 16), "thứ sáu tuần sau", date(2026, 11, 27)),
        (date(2026, 11, 16), "haftaya cuma", date(2026, 11, 27)),
    ],
)
def test_weekdays(today: date, text: str, expected: date) -> None:
    language = {"周五": "zh", "thứ sáu tuần sau": "vi", "haftaya cuma": "tr"}.get(text, "en")
    assert parse_date(text, language, today) == expected


def test_find_dates_gives_spans_of_the_prepared_text() -> None:
    text = "PO-1042  sewing, new date Dec 15 or 下周五"
    found = find_dates(text, "zh-Hans", WEDNESDAY)
    prepared = prepare_text(text)
    assert [prepared[f.start : f.end] for f in found] == ["Dec 15", "下周五"]
    assert [f.value for f in found] == [d(12, 15), d(11, 27)]


def test_find_dates_marks_impossible_dates_instead_of_skipping_them() -> None:
    (found,) = find_dates("ex-factory 31/02", "en", WEDNESDAY)
    assert found.value is None
    assert (found.start, found.end) == (11, 16)
