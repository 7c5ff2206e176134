"""The factories file: creates the brand, validates what a chat schedule depends on."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.importing.cells import (
    parse_closures,
    parse_country,
    parse_language,
    parse_time_of_day,
    parse_timezone,
    parse_weekday,
)
from wipbot.store.models import Brand, Factory, FactoryClosure

from .import_files import BRAND, FACTORIES, FACTORY_HEADER, row_counts, run_import, write_csv


async def test_factories_create_the_brand_and_every_field(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "factories.csv", FACTORY_HEADER, FACTORIES)
    result = await run_import(session_factory, "factories", path)
    assert result.brand == BRAND
    assert (result.tallies["factories"].created, result.tallies["closures"].created) == (2, 1)
    async with session_factory() as session:
        brand = (await session.exec(select(Brand))).one()
        ningbo = (await session.exec(select(Factory).where(Factory.code == "NGB1"))).one()
        closure = (await session.exec(select(FactoryClosure))).one()
    assert brand.name == BRAND
    assert (ningbo.brand_id, ningbo.name, ningbo.country) == (
        brand.id,
        "Ningbo Seaside Garments",
        "CN",
    )
    assert (ningbo.timezone, ningbo.language) == ("Asia/Shanghai", "zh-Hans")
    assert (ningbo.checkin_weekday, ningbo.checkin_time) == (0, time(9, 30))
    assert (closure.factory_id, closure.start, closure.end) == (
        ningbo.id,
        date(2027, 1, 30),
        date(2027, 2, 21),
    )
    assert closure.reason == "Chinese New Year"


async def test_reimport_updates_and_never_duplicates(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await run_import(
        session_factory, "factories", write_csv(tmp_path, "a.csv", FACTORY_HEADER, FACTORIES)
    )
    changed = [row[:] for row in FACTORIES]
    changed[0][2] = "Dhaka Knitwear Limited"
    changed[0][1] = "dhk1"  # codes match whatever the case
    changed[1][8] = "2027-02-01..2027-02-20 Spring Festival; 2027-05-01 Labour Day"
    result = await run_import(
        session_factory, "factories", write_csv(tmp_path, "b.csv", FACTORY_HEADER, changed)
    )
    assert result.tallies["factories"].updated == 2
    assert (result.tallies["closures"].created, result.tallies["closures"].removed) == (2, 1)
    counts = await row_counts(session_factory)
    assert (counts["Brand"], counts["Factory"], counts["FactoryClosure"]) == (1, 2, 2)
    async with session_factory() as session:
        dhaka = (await session.exec(select(Factory).where(Factory.code == "DHK1"))).one()
    assert dhaka.name == "Dhaka Knitwear Limited"

    again = await run_import(
        session_factory, "factories", write_csv(tmp_path, "c.csv", FACTORY_HEADER, changed)
    )
    assert (again.tallies["factories"].unchanged, again.tallies["factories"].updated) == (2, 0)


async def test_optional_columns_take_defaults(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        "f.csv",
        ["brand", "code", "name", "country", "timezone"],
        [[BRAND, "IZM1", "Izmir Denim", "tr", "Europe/Istanbul"]],
    )
    await run_import(sqlite_session_factory, "factories", path)
    async with sqlite_session_factory() as session:
        izmir = (await session.exec(select(Factory))).one()
    assert (izmir.country, izmir.language, izmir.checkin_weekday) == ("TR", "en", 0)
    assert izmir.checkin_time == time(10, 0)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_weekday, "sun", 6),
        (parse_weekday, "Tuesday", 1),
        (parse_weekday, "0", 0),
        (parse_time_of_day, "9:30", time(9, 30)),
        (parse_time_of_day, "10:00:00", time(10, 0)),
        (parse_country, "vn", "VN"),
        (parse_timezone, "Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh"),
        (parse_language, "zh_Hans", "zh-Hans"),
        (parse_language, "bn", "bn"),
        (
            parse_closures,
            "2027-02-05..2027-02-19 Chinese New Year; 01/05/2027 Labour Day",
            (
                (date(2027, 2, 5), date(2027, 2, 19), "Chinese New Year"),
                (date(2027, 5, 1), date(2027, 5, 1), "Labour Day"),
            ),
        ),
    ],
)
def test_cell_parsers_accept(parse: object, text: str, expected: object) -> None:
    assert callable(parse)
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "reason"),
    [
        (parse_weekday, "someday", "not a weekday"),
        (parse_weekday, "7", "not a weekday"),
        (parse_time_of_day, "25:00", "not a time"),
        (parse_country, "XX", "ISO 3166"),
        (parse_country, "EU", "ISO 3166"),
        (parse_timezone, "Asia/Dhak", "IANA"),
        (parse_language, "klingon-x", "language tag"),
        (parse_closures, "2027-02-19..2027-02-05 backwards", "ends before it starts"),
        (parse_closures, "soon..later", "START..END"),
    ],
)
def test_cell_parsers_reject(parse: object, text: str, reason: str) -> None:
    assert callable(parse)
    with pytest.raises(ValueError, match=reason):
        parse(text)
