"""The factories file: one row per factory of one brand.

Columns (header on line 1, any order, case and spaces ignored):

- brand (required), e.g. `Northwind Apparel`: created when missing; one brand per file
- code (required), e.g. `DHK1`: the factory's short code, unique per brand; other files refer to
  it
- name (required), e.g. `Dhaka Knitwear Ltd`
- country (required), e.g. `BD`: ISO 3166 alpha-2; picks the public-holiday calendar
- timezone (required), e.g. `Asia/Dhaka`: IANA name; check-in times and naive times are local to
  it
- language (optional), e.g. `bn`: BCP 47: en, zh-Hans, vi, bn, tr; default en
- checkin_weekday (optional), e.g. `sun`: mon..sun or 0-6 (0 = Monday); default mon
- checkin_time (optional), e.g. `10:00`: HH:MM local; default 10:00
- closures (optional), e.g. `2027-02-03..2027-02-20 Chinese New Year; 2027-05-01 Labour Day`:
  replaces the known closures

Re-importing updates factories by code and never duplicates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key
from wipbot.store.models import Brand, Factory, FactoryClosure

from .assign import assign
from .cells import (
    Row,
    parse_closures,
    parse_country,
    parse_language,
    parse_time_of_day,
    parse_timezone,
    parse_weekday,
)
from .errors import ImportFailed
from .scope import import_done, open_sheet
from .summary import ImportResult, ProgressHook, Tally, no_progress, tallies

REQUIRED = ("brand", "code", "name", "country", "timezone")
OPTIONAL = ("language", "checkin_weekday", "checkin_time", "closures")


@dataclass(frozen=True)
class FactoryRow:
    line: int
    code: str
    name: str
    country: str
    timezone: str
    language: str
    checkin_weekday: int
    checkin_time: time
    closures: tuple[tuple[date, date, str], ...]


async def import_factories(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    opened = await open_sheet(
        session, path, REQUIRED, OPTIONAL, wanted=brand, file=file, may_create=True
    )
    sheet, errors, choice = opened.sheet, opened.errors, opened.choice
    existing: dict[str, Factory] = {}
    if choice and choice.brand:
        factories = (
            await session.exec(select(Factory).where(Factory.brand_id == choice.brand.id))
        ).all()
        existing = {key(f.code): f for f in factories}

    parsed: list[FactoryRow] = []
    seen: dict[str, int] = {}
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        item = _parse(row)
        if item is not None:
            if key(item.code) in seen:
                row.error("code", f"{item.code!r} is already on line {seen[key(item.code)]}")
            else:
                seen[key(item.code)] = row.line
                parsed.append(item)
        progress("checking", done, total)
    if errors or choice is None:
        raise ImportFailed(errors)

    target = choice.brand
    if target is None:
        target = Brand(name=choice.name)
        session.add(target)
        await session.flush()
    assert target.id is not None
    counts = tallies("factories", "closures")
    for done, item in enumerate(parsed, start=1):
        factory = existing.get(key(item.code))
        created = factory is None
        if factory is None:
            factory = Factory(
                brand_id=target.id,
                code=item.code,
                name=item.name,
                country=item.country,
                timezone=item.timezone,
            )
            session.add(factory)
        changed = assign(
            factory,
            name=item.name,
            country=item.country,
            timezone=item.timezone,
            language=item.language,
            checkin_weekday=item.checkin_weekday,
            checkin_time=item.checkin_time,
        )
        await session.flush()
        closures_changed = await _replace_closures(session, factory, item, counts["closures"])
        counts["factories"].count(created=created, changed=changed or closures_changed)
        progress("writing", done, total)
    return await import_done(session, "factories", opened, target, counts)


def _parse(row: Row) -> FactoryRow | None:
    code = row.text("code", max_length=32)
    name = row.text("name")
    country = row.value("country", parse_country)
    timezone = row.value("timezone", parse_timezone)
    language = row.value("language", parse_language, required=False) or "en"
    weekday = row.value("checkin_weekday", parse_weekday, required=False)
    at = row.value("checkin_time", parse_time_of_day, required=False)
    closures = row.value("closures", parse_closures, required=False) or ()
    if not row.ok or code is None or name is None or country is None or timezone is None:
        return None
    return FactoryRow(
        line=row.line,
        code=code,
        name=name,
        country=country,
        timezone=timezone,
        language=language,
        checkin_weekday=0 if weekday is None else weekday,
        checkin_time=at or time(10, 0),
        closures=closures,
    )


async def _replace_closures(
    session: AsyncSession, factory: Factory, item: FactoryRow, tally: Tally
) -> bool:
    """The file's closures are the factory's closures: the list is replaced, not merged."""
    assert factory.id is not None
    current = (
        await session.exec(select(FactoryClosure).where(FactoryClosure.factory_id == factory.id))
    ).all()
    have = {(c.start, c.end, c.reason): c for c in current}
    want = set(item.closures)
    for span, closure in have.items():
        if span not in want:
            await session.delete(closure)
            tally.removed += 1
    for start, end, reason in item.closures:
        if (start, end, reason) in have:
            tally.unchanged += 1
            continue
        session.add(FactoryClosure(factory_id=factory.id, start=start, end=end, reason=reason))
        tally.created += 1
    return set(have) != want
