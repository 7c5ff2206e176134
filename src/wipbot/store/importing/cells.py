"""Parsing one cell: each parser takes the text and raises ValueError with a reason a
merchandiser can act on. `Row` applies them and collects every problem of the row.

babel is loaded by the parsers that need it (languages, currencies, countries): a command that
only parses a date, such as `wipbot po status --as-of`, does not pay for it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wipbot.production.day_range import out_of_range
from wipbot.production.milestones import parse_issue_flag
from wipbot.production.progress import ReportedIssue
from wipbot.store.models.widths import LARGEST_INTEGER

from .errors import RowError
from .sheet import SheetRow

T = TypeVar("T")

MONEY_PLACES = 4
MONEY_INTEGER_DIGITS = 10
MAX_COUNT = LARGEST_INTEGER
"""The largest whole number a database INTEGER column holds on every supported database."""
INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# CLDR territory codes that are not ISO 3166-1 countries (regions, reservations, "unknown").
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_date(value: str) -> date:
    """ISO `2027-01-15` or the day-first `15/01/2027` most factories and Excel locales write,
    in the years wipbot accepts (production/day_range.py)."""
    return _in_range(value, _parse_date(value))


def _in_range(value: str, day: date) -> date:
    reason = out_of_range(day)
    if reason is not None:
        raise ValueError(f"{value!r} is {reason}")
    return day


def _parse_date(value: str) -> date:
    text = value.strip()
    if text.count("-") == 2 and " " not in text and "T" not in text:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD or DD/MM/YYYY")


def parse_datetime(value: str) -> datetime | date:
    """A date alone, or a date and time; naive unless it carries an offset. Its day must lie in
    the years wipbot accepts, so that turning it into UTC cannot leave the calendar."""
    found = _parse_datetime(value)
    _in_range(value, found.date() if isinstance(found, datetime) else found)
    return found


def _parse_datetime(value: str) -> datetime | date:
    text = value.strip()
    if text[10:11] in (" ", "T") and text[4:5] == "-":  # ISO date and time, as most files have
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    try:
        return _parse_date(text)
    except ValueError:
        pass
    day_first, _, rest = text.partition(" ")
    if _DMY.match(day_first) and rest:
        try:
            return datetime.combine(_parse_date(day_first), time.fromisoformat(rest.strip()))
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date or time; write YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM"
        ) from None


def parse_count(value: str) -> int:
    """A whole quantity of pieces, 0 or more; `1,200` is accepted."""
    text = value.strip()
    if len(text) <= 10 and text.isascii() and text.isdigit():  # the common case, no Decimal
        whole = int(text)
        if whole > MAX_COUNT:
            raise ValueError(f"{value!r} is too large; at most {MAX_COUNT:,}")
        return whole
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    if number < 0:
        raise ValueError(f"{value!r} must not be negative")
    if number > MAX_COUNT:
        raise ValueError(f"{value!r} is too large; at most {MAX_COUNT:,}")
    return int(number)


def parse_positive_count(value: str) -> int:
    number = parse_count(value)
    if number == 0:
        raise ValueError("must be more than 0")
    return number


def parse_days(value: str) -> int:
    return parse_count(value.strip().rstrip("dD").strip())


def parse_money(value: str) -> Decimal:
    """An amount >= 0 with at most four decimals; never a float on the way."""
    text = value.strip().replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number; use a point for decimals") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a number")
    if amount < 0:
        raise ValueError(f"{value!r} must not be negative")
    if amount >= Decimal(10) ** MONEY_INTEGER_DIGITS:
        raise ValueError(f"{value!r} is too large")
    if amount != amount.quantize(Decimal(1).scaleb(-MONEY_PLACES)):
        raise ValueError(f"{value!r} has more than {MONEY_PLACES} decimals")
    return amount


def parse_currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or code not in _currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code such as USD or EUR")
    return code


def parse_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or code not in _countries():
        raise ValueError(f"{value!r} is not an ISO 3166 two-letter country code such as BD or VN")
    return code


def parse_timezone(value: str) -> str:
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise ValueError(f"{value[:60]!r} is not an IANA timezone such as Asia/Dhaka") from None
    return name


def parse_language(value: str) -> str:
    """A BCP 47 tag babel knows (`en`, `zh-Hans`, `vi`); kept as written."""
    from babel import Locale, UnknownLocaleError  # loaded when a language is checked

    tag = value.strip().replace("_", "-")
    try:
        Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(
            f"{value!r} is not a language tag such as en, zh-Hans, vi, bn, tr"
        ) from None
    return tag


def parse_weekday(value: str) -> int:
    """Monday is 0, as Python counts; `mon`, `Monday` and `0` all work."""
    text = value.strip().lower()
    # isdecimal, not isdigit: "²" is a digit that int() cannot read; "৩" is decimal and reads.
    if text.isdecimal() and len(text) <= 2 and int(text) < len(WEEKDAYS):
        return int(text)
    for number, name in enumerate(WEEKDAY_NAMES):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise ValueError(f"{value!r} is not a weekday; write mon..sun or 0-6 (0 = Monday)")


def parse_time_of_day(value: str) -> time:
    text = value.strip()
    try:
        parsed = time.fromisoformat(text if len(text.split(":")[0]) == 2 else f"0{text}")
    except ValueError:
        raise ValueError(f"{value!r} is not a time; write HH:MM, e.g. 10:00") from None
    return parsed.replace(second=0, microsecond=0)


def parse_incoterm(value: str) -> str:
    term = value.strip().upper()
    if term not in INCOTERMS:
        raise ValueError(f"{value!r} is not an Incoterm; expected one of {', '.join(INCOTERMS)}")
    return term


def parse_issues(value: str) -> tuple[ReportedIssue, ...]:
    """`fabric_late:5; trims_late`: flags with optional expected days of delay."""
    issues: list[ReportedIssue] = []
    for part in re.split(r"[;,]", value):
        if not part.strip():
            continue
        flag_text, _, days_text = part.partition(":")
        flag = parse_issue_flag(flag_text)
        days = None
        if days_text.strip():
            try:
                days = parse_days(days_text)
            except ValueError:
                raise ValueError(
                    f"{part.strip()!r}: days of delay must be a whole number 0 or more"
                ) from None
        if any(issue.flag is flag for issue in issues):
            raise ValueError(f"{flag.value} is listed twice")
        issues.append(ReportedIssue(flag, days))
    return tuple(issues)


MAX_CLOSURE_DAYS = 366
"""Every closed day is judged with; a span of centuries is a typing mistake, not a holiday."""


def parse_closures(value: str) -> tuple[tuple[date, date, str], ...]:
    """`2027-02-05..2027-02-19 Chinese New Year; 2027-05-01 Labour Day`."""
    closures = []
    for part in value.split(";"):
        text = part.strip()
        if not text:
            continue
        span, _, reason = text.partition(" ")
        first, _, last = span.partition("..")
        try:
            start = parse_date(first)
            end = parse_date(last) if last else start
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}; write START..END reason") from None
        if end < start:
            raise ValueError(f"{text!r}: the closure ends before it starts")
        if (end - start).days >= MAX_CLOSURE_DAYS:
            raise ValueError(
                f"{text!r}: a closure of more than {MAX_CLOSURE_DAYS} days; a factory shut "
                "that long is no longer making the order"
            )
        closures.append((start, end, reason.strip()[:120]))
    return tuple(closures)


def choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        text = value.strip().lower()
        if text not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return text

    return parse


class Row:
    """One data row: typed getters that record a problem instead of raising, so every
    problem of every row is reported in one go."""

    def __init__(self, file: str, source: SheetRow, errors: list[RowError]) -> None:
        self.file = file
        self.line = source.line
        self._cells = source.cells
        self._errors = errors
        self._count = len(errors)
        for column, value in source.extra:
            self.error(f"column {column}", f"{value!r} is in a column without a header")

    @property
    def ok(self) -> bool:
        """No problem found in this row so far."""
        return len(self._errors) == self._count

    def error(self, field: str, reason: str) -> None:
        self._errors.append(RowError(self.file, self.line, field, reason))

    def raw(self, field: str) -> str:
        return self._cells.get(field, "").strip()

    def text(self, field: str, *, required: bool = True, max_length: int = 120) -> str | None:
        value = self.raw(field)
        if not value:
            if required:
                self.error(field, "required")
            return None
        if len(value) > max_length:
            self.error(field, f"longer than {max_length} characters")
            return None
        return value

    def value(self, field: str, parse: Callable[[str], T], *, required: bool = True) -> T | None:
        text = self.raw(field)
        if not text:
            if required:
                self.error(field, "required")
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.error(field, str(exc))
            return None


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


@cache
def _countries() -> frozenset[str]:
    from babel import Locale

    codes = {str(code) for code in Locale("en").territories}
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha()) - _NOT_COUNTRIES
