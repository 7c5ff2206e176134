"""The revised ex-factory dates factory contacts type, in their own language.

Rules, the same in every language:

- Day first: "05/06" is 5 June. Only when the second number cannot be a month ("12/15") is the
  text read month/day. A year of two digits is this century. Numbers that cannot be a day and a
  month either way ("15.30", "2.5") are not a date at all; "31/02" is a date that does not exist.
- A date without a year is its first occurrence on or after `PAST_TOLERANCE_DAYS` ago: in
  November "15/12" is this December; "10/11" typed on 20 November stays this year (a date that
  has just passed); "28/12" typed on 5 January is the 28 December just gone; "3/1" typed on
  20 January is next year. A day that does not exist in that window ("31/02") is not a date.
- "Friday", "周五", "thứ sáu", "শুক্রবার", "cuma" (and "this/coming Friday") is the coming Friday:
  1 to 7 days ahead, never today. "next Friday", "下周五", "thứ sáu tuần sau", "haftaya cuma",
  "আগামী সপ্তাহের শুক্রবার" is the Friday of next calendar week (weeks start on Monday).
  Bengali "আগামী শুক্রবার" and Turkish "gelecek cuma" mean the coming Friday, as natives use them.
- "next week" is seven days ahead.

English words are understood in every language (the trade's lingua franca), except the
abbreviations that are also words there (Vietnamese "may", "thu").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from wipbot.production.language import (
    WORD_CHARS,
    fold,
    normalize_language,
    phrase_alternation,
    prepare_text,
)

PAST_TOLERANCE_DAYS = 14

_L = f"(?<![{WORD_CHARS}])"
_R = f"(?![{WORD_CHARS}])"
_YEAR4 = r"(?:19|20)\d\d"
_DAY_UNIT_AHEAD = r"(?!\s*(?:days?\b|d\b|weeks?\b|天|日|ngay\b|gun\b|দিন|tuan\b|hafta\b))"
_LEFTOVER_PUNCTUATION = re.compile(r"[\s.,:;!?()\[\]\-–—~'\"。、…]+")


@dataclass(frozen=True)
class FoundDate:
    """A date phrase at [start, end) of the prepared text; value None when it names no real day."""

    start: int
    end: int
    value: date | None


Resolver = Callable[[re.Match[str], date], date | None]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: Resolver


def parse_date(text: str, language: str, today: date) -> date | None:
    """The one date the whole text names (cue words like "new date" allowed), else None."""
    folded = fold(prepare_text(text))
    found = find_dates_in_folded(folded, language, today)
    if len(found) != 1:
        return None
    rest = folded[: found[0].start] + " " + folded[found[0].end :]
    rest = _cue_pattern(normalize_language(language)).sub(" ", rest)
    if _LEFTOVER_PUNCTUATION.sub("", rest):
        return None
    return found[0].value


def find_dates(text: str, language: str, today: date) -> tuple[FoundDate, ...]:
    """Every date phrase in the text; spans index `prepare_text(text)`."""
    return find_dates_in_folded(fold(prepare_text(text)), language, today)


def find_dates_in_folded(folded: str, language: str, today: date) -> tuple[FoundDate, ...]:
    """Date phrases in text already prepared and folded, longest phrase winning an overlap."""
    candidates: list[FoundDate] = []
    for rule in _rules(normalize_language(language)):
        for match in rule.pattern.finditer(folded):
            if match.end() > match.start():
                candidates.append(FoundDate(match.start(), match.end(), rule.resolve(match, today)))
    candidates.sort(key=lambda f: (f.start - f.end, f.start, f.value is None))
    chosen: list[FoundDate] = []
    for candidate in candidates:
        if all(candidate.end <= c.start or candidate.start >= c.end for c in chosen):
            chosen.append(candidate)
    return tuple(sorted(chosen, key=lambda f: f.start))


def date_cue_spans(folded: str, language: str) -> tuple[tuple[int, int], ...]:
    """Words that only introduce a date ("new date", "交期", "ngày"), as spans of folded text."""
    pattern = _cue_pattern(normalize_language(language))
    return tuple(m.span() for m in pattern.finditer(folded))


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_without_year(month: int, day: int, today: date) -> date | None:
    earliest = today - timedelta(days=PAST_TOLERANCE_DAYS)
    for year in (earliest.year, earliest.year + 1):
        candidate = _calendar_date(year, month, day)
        if candidate is not None and candidate >= earliest:
            return candidate
    return None


def _coming_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _weekday_next_week(today: date, weekday: int) -> date:
    return today + timedelta(days=7 - today.weekday() + weekday)


def _weekday_this_week(today: date, weekday: int) -> date:
    return today + timedelta(days=weekday - today.weekday())


def _key(phrase: str) -> str:
    return re.sub(r"[\s-]", "", fold(prepare_text(phrase)))


def _keyed(table: Mapping[str, int]) -> dict[str, int]:
    return {_key(k): v for k, v in table.items()}


def _group(match: re.Match[str], name: str) -> str | None:
    return match.groupdict().get(name)


def _day_in_year(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is None:
        return _date_without_year(month, day, today)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    return _calendar_date(full_year, month, day)


def _calendar(months: Mapping[str, int] | None = None) -> Resolver:
    keyed = _keyed(months or {})

    def resolve(match: re.Match[str], today: date) -> date | None:
        name = _group(match, "mon")
        month = keyed[_key(name)] if name is not None else int(match["m"])
        year = _group(match, "y") or _group(match, "y2")
        return _day_in_year(int(match["d"]), month, year, today)

    return resolve


def _offset(days: int) -> Resolver:
    return lambda _match, today: today + timedelta(days=days)


def _named_offset(offsets: Mapping[str, int]) -> Resolver:
    keyed = _keyed(offsets)
    return lambda match, today: today + timedelta(days=keyed[_key(match["w"])])


_UNIT_DAYS = _keyed(
    {
        "d": 1,
        "day": 1,
        "days": 1,
        "w": 7,
        "wk": 7,
        "wks": 7,
        "week": 7,
        "weeks": 7,
        "天": 1,
        "日": 1,
        "周": 7,
        "星期": 7,
        "礼拜": 7,
        "个星期": 7,
        "个礼拜": 7,
        "ngày": 1,
        "tuần": 7,
        "দিন": 1,
        "সপ্তাহ": 7,
        "gün": 1,
        "hafta": 7,
    }
)


def _count(match: re.Match[str], today: date) -> date | None:
    return today + timedelta(days=int(match["n"]) * _UNIT_DAYS[_key(match["u"])])


def _weekday(weekdays: Mapping[str, int], when: Callable[[date, int], date]) -> Resolver:
    keyed = _keyed(weekdays)
    return lambda match, today: when(today, keyed[_key(match["wd"])])


def _rule(pattern: str, resolve: Resolver) -> _Rule:
    return _Rule(re.compile(pattern), resolve)


def _named(name: str, phrases: Iterable[str]) -> str:
    return f"(?P<{name}>{phrase_alternation(phrases)})"


def _numeric_rules() -> list[_Rule]:
    # Day first; month/day only when the second number cannot be a month. "2.5" is a decimal.
    day = r"(?:0?[1-9]|[12]\d|3[01])"
    month = r"(?:0?[1-9]|1[0-2])"
    day_above_12 = r"(?:1[3-9]|2\d|3[01])"
    start = r"(?<![0-9a-z])(?<!\d[./-])(?!\d\.\d(?!\d))"
    year = r"(?:(?P=sep)(?P<y>(?:19|20)?\d\d))?(?![./-]?\d)"
    return [
        _rule(
            rf"(?<![\d./-])(?P<y>{_YEAR4})(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})"
            r"(?![./-]?\d)",
            _calendar(),
        ),
        _rule(
            rf"{start}(?P<d>{day})(?P<sep>[/.-])(?P<m>{month}){year}{_DAY_UNIT_AHEAD}", _calendar()
        ),
        _rule(
            rf"{start}(?P<m>{month})(?P<sep>[/.-])(?P<d>{day_above_12}){year}{_DAY_UNIT_AHEAD}",
            _calendar(),
        ),
    ]


_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_EN_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_EN_WEEKDAY_ABBREVIATIONS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}  # fmt: skip
_EN_OFFSETS = {
    "today": 0, "tonight": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "tomorow": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2,
}  # fmt: skip


def _english_rules(months: Mapping[str, int], weekdays: Mapping[str, int]) -> list[_Rule]:
    mon = _named("mon", months)
    wd = _named("wd", weekdays)
    ordinal = r"(?:st|nd|rd|th)?"
    year = rf"(?:(?:\s*,\s*|\s+|[/-])(?P<y>{_YEAR4}))?"
    return [
        _rule(rf"{_L}{mon}\.?[\s/-]*(?P<d>\d{{1,2}}){ordinal}{year}{_R}", _calendar(months)),
        _rule(
            rf"{_L}(?P<d>\d{{1,2}}){ordinal}[\s./-]*(?:of\s+)?{mon}\.?"
            rf"(?:(?:\s*,\s*|\s+|[/-])(?P<y>{_YEAR4})|-(?P<y2>\d\d))?{_R}",
            _calendar(months),
        ),
        _rule(rf"{_L}(?P<w>{phrase_alternation(_EN_OFFSETS)}){_R}", _named_offset(_EN_OFFSETS)),
        _rule(rf"{_L}in\s+(?P<n>\d{{1,3}})\s*(?P<u>days?|d|weeks?|wks?|w){_R}", _count),
        _rule(
            rf"{_L}(?P<n>\d{{1,3}})\s*(?P<u>days?|weeks?)\s+(?:from\s+(?:now|today)|later){_R}",
            _count,
        ),
        _rule(rf"{_L}next\s+week{_R}", _offset(7)),
        _rule(rf"{_L}next\s+{wd}{_R}", _weekday(weekdays, _weekday_next_week)),
        _rule(rf"{_L}next\s+week\s+(?:on\s+)?{wd}{_R}", _weekday(weekdays, _weekday_next_week)),
        _rule(rf"{_L}{wd}\s+next\s+week{_R}", _weekday(weekdays, _weekday_next_week)),
        _rule(rf"{_L}(?:(?:this|coming)\s+)?{wd}{_R}", _weekday(weekdays, _coming_weekday)),
    ]


_ZH_WEEKDAYS = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
_ZH_OFFSETS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3}


def _chinese_rules() -> list[_Rule]:
    wd = "(?P<wd>[一二三四五六日天1-7])(?!\\d)"
    week = "(?:周|星期|礼拜)"
    return [
        _rule(
            rf"(?<!\d)(?:(?P<y>{_YEAR4})\s*年\s*)?(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})"
            r"(?!\d)\s*(?:日|号|號)?",
            _calendar(),
        ),
        _rule(f"(?P<w>{phrase_alternation(_ZH_OFFSETS)})", _named_offset(_ZH_OFFSETS)),
        _rule(
            r"(?<!\d)(?P<n>\d{1,3})\s*(?P<u>天|日|个?(?:星期|礼拜)|周)\s*(?:以后|之后|后)",
            _count,
        ),
        _rule(f"下个?{week}(?!{wd})", _offset(7)),
        _rule(f"下个?{week}{wd}", _weekday(_ZH_WEEKDAYS, _weekday_next_week)),
        _rule(f"(?:这个?|本){week}{wd}", _weekday(_ZH_WEEKDAYS, _weekday_this_week)),
        _rule(f"{week}{wd}", _weekday(_ZH_WEEKDAYS, _coming_weekday)),
    ]


_VI_WEEKDAYS = {
    "thứ hai": 0, "thứ 2": 0, "thứ ba": 1, "thứ 3": 1, "thứ tư": 2, "thứ 4": 2, "thứ năm": 3,
    "thứ 5": 3, "thứ sáu": 4, "thứ 6": 4, "thứ bảy": 5, "thứ 7": 5, "chủ nhật": 6,
}  # fmt: skip
_VI_OFFSETS = {"hôm nay": 0, "ngày mai": 1, "ngày kia": 2, "ngày mốt": 2}


def _vietnamese_rules() -> list[_Rule]:
    # "lần thứ 2" (second time) and "đợt thứ 2" (second batch) are not Monday.
    wd = "(?<!lan\\s)(?<!dot\\s)" + _named("wd", _VI_WEEKDAYS)
    next_week = r"tuan\s+(?:sau|toi)"
    return [
        _rule(
            rf"{_L}(?:ngay\s+)?(?P<d>\d{{1,2}})\s*thang\s*(?P<m>\d{{1,2}})"
            rf"(?:\s*(?:nam|,|/|-)?\s*(?P<y>{_YEAR4}))?{_R}",
            _calendar(),
        ),
        _rule(rf"{_L}(?P<w>{phrase_alternation(_VI_OFFSETS)}){_R}", _named_offset(_VI_OFFSETS)),
        _rule(rf"{_L}(?P<n>\d{{1,3}})\s*(?P<u>ngay|tuan)\s+(?:nua|toi|sau){_R}", _count),
        _rule(rf"{_L}sau\s+(?P<n>\d{{1,3}})\s*(?P<u>ngay|tuan){_R}", _count),
        _rule(rf"{_L}{next_week}{_R}", _offset(7)),
        _rule(rf"{_L}{wd}\s+{next_week}{_R}", _weekday(_VI_WEEKDAYS, _weekday_next_week)),
        _rule(
            rf"{_L}{next_week}\s+(?:vao\s+)?{wd}{_R}", _weekday(_VI_WEEKDAYS, _weekday_next_week)
        ),
        _rule(rf"{_L}{wd}\s+tuan\s+nay{_R}", _weekday(_VI_WEEKDAYS, _weekday_this_week)),
        _rule(rf"{_L}{wd}(?:\s+(?:nay|toi))?{_R}", _weekday(_VI_WEEKDAYS, _coming_weekday)),
    ]


_BN_MONTHS = {
    "জানুয়ারি": 1, "জানুয়ারী": 1, "ফেব্রুয়ারি": 2, "ফেব্রুয়ারী": 2, "মার্চ": 3, "এপ্রিল": 4,
    "মে": 5, "জুন": 6, "জুলাই": 7, "আগস্ট": 8, "আগষ্ট": 8, "সেপ্টেম্বর": 9, "অক্টোবর": 10,
    "নভেম্বর": 11, "ডিসেম্বর": 12,
}  # fmt: skip
_BN_WEEKDAYS = {
    "সোমবার": 0, "মঙ্গলবার": 1, "বুধবার": 2, "বৃহস্পতিবার": 3, "বিষ্যুদবার": 3, "শুক্রবার": 4,
    "শনিবার": 5, "রবিবার": 6, "রোববার": 6,
}  # fmt: skip
_BN_OFFSETS = {"আজ": 0, "আজকে": 0, "আগামীকাল": 1, "আগামী কাল": 1}
_BN_DAY_SUFFIX = "(?:ই|লা|রা|ঠা|শে|এ)?"  # ১৫ই, ১লা, ২রা, ৪ঠা, ২১শে
_BN_CASE_SUFFIX = "(?:ের|র|ে|এ)?"  # ডিসেম্বরে, শুক্রবারের


def _bengali_rules() -> list[_Rule]:
    mon = _named("mon", _BN_MONTHS) + _BN_CASE_SUFFIX
    wd = _named("wd", _BN_WEEKDAYS) + _BN_CASE_SUFFIX
    following = "(?:আগামী|পরের|সামনের)"
    return [
        _rule(
            rf"{_L}(?P<d>\d{{1,2}})\s*{_BN_DAY_SUFFIX}\s*{mon}(?:\s*,?\s*(?P<y>{_YEAR4}))?{_R}",
            _calendar(_BN_MONTHS),
        ),
        _rule(rf"{_L}{mon}\s*(?P<d>\d{{1,2}})\s*{_BN_DAY_SUFFIX}{_R}", _calendar(_BN_MONTHS)),
        _rule(rf"{_L}(?P<w>{phrase_alternation(_BN_OFFSETS)}){_R}", _named_offset(_BN_OFFSETS)),
        _rule(rf"{_L}(?P<n>\d{{1,3}})\s*(?P<u>দিন|সপ্তাহ)(?:ের)?\s*(?:পরে|পর|মধ্যে){_R}", _count),
        _rule(rf"{_L}{following}\s+সপ্তাহে?{_R}", _offset(7)),
        _rule(rf"{_L}{following}\s+সপ্তাহের\s+{wd}{_R}", _weekday(_BN_WEEKDAYS, _weekday_next_week)),
        _rule(rf"{_L}(?:(?:আগামী|এই|সামনের)\s+)?{wd}{_R}", _weekday(_BN_WEEKDAYS, _coming_weekday)),
    ]


_TR_MONTHS = {
    "ocak": 1, "şubat": 2, "mart": 3, "nisan": 4, "mayıs": 5, "haziran": 6, "temmuz": 7,
    "ağustos": 8, "eylül": 9, "ekim": 10, "kasım": 11, "aralık": 12,
}  # fmt: skip
_TR_WEEKDAYS = {
    "pazartesi": 0, "salı": 1, "çarşamba": 2, "perşembe": 3, "cuma": 4, "cumartesi": 5,
    "pazar": 6,
}  # fmt: skip
_TR_OFFSETS = {"bugün": 0, "yarın": 1, "öbür gün": 2, "yarından sonra": 2}
# Case endings on folded text: cumaya, Aralık'ta, pazardan, yarının.
_TR_SUFFIX = "(?:'?(?:y?[ae]|[dt][ae]n?|n[ae]|nd[ae]n?|y?[iu]n|n[iu]n))?"


def _turkish_rules() -> list[_Rule]:
    mon = _named("mon", _TR_MONTHS) + _TR_SUFFIX
    wd = _named("wd", _TR_WEEKDAYS) + _TR_SUFFIX
    next_week = r"(?:haftaya|gelecek\s+hafta(?:ya)?|onumuzdeki\s+hafta(?:ya)?|sonraki\s+hafta)"
    return [
        _rule(
            rf"{_L}(?P<d>\d{{1,2}})\.?\s*{mon}(?:\s+(?P<y>{_YEAR4}){_TR_SUFFIX})?{_R}",
            _calendar(_TR_MONTHS),
        ),
        _rule(
            rf"{_L}(?P<w>{phrase_alternation(_TR_OFFSETS)}){_TR_SUFFIX}{_R}",
            _named_offset(_TR_OFFSETS),
        ),
        _rule(rf"{_L}(?P<n>\d{{1,3}})\s*(?P<u>gun|hafta)\s+(?:sonra|icinde){_R}", _count),
        _rule(rf"{_L}{next_week}{_R}", _offset(7)),
        _rule(rf"{_L}{next_week}\s+{wd}{_R}", _weekday(_TR_WEEKDAYS, _weekday_next_week)),
        _rule(
            rf"{_L}(?:(?:bu|gelecek|onumuzdeki)\s+)?{wd}{_R}",
            _weekday(_TR_WEEKDAYS, _coming_weekday),
        ),
    ]


_OWN_RULES: dict[str, Callable[[], list[_Rule]]] = {
    "zh-Hans": _chinese_rules,
    "vi": _vietnamese_rules,
    "bn": _bengali_rules,
    "tr": _turkish_rules,
}

# English abbreviations that are ordinary words in the contact's language.
_ENGLISH_CLASHES: dict[str, frozenset[str]] = {"vi": frozenset({"may"})}


@cache
def _rules(language: str) -> tuple[_Rule, ...]:
    rules = _numeric_rules()
    if language == "en":
        weekdays = {**_EN_WEEKDAYS, **_EN_WEEKDAY_ABBREVIATIONS}
        return tuple(rules + _english_rules(_EN_MONTHS, weekdays))
    clashes = _ENGLISH_CLASHES.get(language, frozenset())
    months = {name: month for name, month in _EN_MONTHS.items() if name not in clashes}
    rules += _english_rules(months, _EN_WEEKDAYS)
    return tuple(rules + _OWN_RULES[language]())


_CUES: dict[str, tuple[str, ...]] = {
    "en": (
        "on", "by", "at", "to", "is", "the", "new", "date", "new date", "revised",
        "revised date", "ex-factory", "ex factory", "exf", "xf", "etd", "ship date", "until",
        "till", "around", "about", "approx", "expected", "now",
    ),
    "zh-Hans": (
        "新日期", "日期", "出厂", "出厂日期", "交期", "新交期", "改到", "改为", "改成", "到", "在",
        "于", "预计", "约", "大约", "左右", "前", "之前", "以前",
    ),
    "vi": (
        "ngày", "mới", "ngày mới", "xuất xưởng", "ngày xuất", "ngày giao", "đến", "vào",
        "dự kiến", "khoảng", "là", "trước",
    ),
    "bn": (
        "নতুন", "তারিখ", "তারিখে", "নতুন তারিখ", "এক্স-ফ্যাক্টরি", "এক্স ফ্যাক্টরি", "ডেলিভারি",
        "নাগাদ", "মধ্যে", "এর মধ্যে", "প্রায়", "আনুমানিক",
    ),
    "tr": (
        "yeni", "tarih", "tarihi", "yeni tarih", "termin", "teslim", "kadar", "günü",
        "sevk tarihi", "tahmini", "yaklaşık",
    ),
}  # fmt: skip


@cache
def _cue_pattern(language: str) -> re.Pattern[str]:
    cues = _CUES["en"] + (_CUES[language] if language != "en" else ())
    return re.compile(phrase_alternation(cues, left_boundary=True, right_boundary=True))
