"""The WIP read model: per production order risk, the PO rollup, as-of replay, lookups, scoping."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from wipbot.production.milestones import Milestone
from wipbot.production.risk import RiskStatus
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import Brand
from wipbot.store.wip import (
    BrandNotFound,
    PoStatus,
    close_matches,
    po_status,
    resolve_brand,
    status_to_json,
    urgency,
    wip_board,
)

from .import_files import (
    FACTORY_HEADER,
    PO_HEADER,
    import_examples,
    run_import,
    write_csv,
)

DEMO_DAY = date(2026, 11, 26)
LATE, AT_RISK, ON_TRACK = RiskStatus.LATE, RiskStatus.AT_RISK, RiskStatus.ON_TRACK


@pytest.fixture(scope="module")
def examples_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples imported once per module; the tests using them only read."""
    path = tmp_path_factory.mktemp("examples") / "examples.db"
    shutil.copyfile(sqlite_template, path)

    async def load() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await import_examples(make_session_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(load())
    return path


@pytest.fixture
async def examples(examples_db: Path, tmp_path: Path) -> AsyncIterator[tuple[SessionFactory, int]]:
    copy = tmp_path / "examples.db"
    shutil.copyfile(examples_db, copy)
    engine = make_engine(f"sqlite+aiosqlite:///{copy}")
    factory = make_session_factory(engine)
    async with factory() as session:
        brand = await resolve_brand(session, None)
    assert brand.id is not None
    yield factory, brand.id
    await engine.dispose()


async def _status(
    examples: tuple[SessionFactory, int], number: str, as_of: date | None = None
) -> PoStatus:
    factory, brand_id = examples
    async with factory() as session:
        status = await po_status(session, brand_id, number, today=DEMO_DAY, as_of=as_of)
    assert status is not None
    return status


async def test_board_shows_a_believable_mix_most_urgent_first(
    examples: tuple[SessionFactory, int],
) -> None:
    factory, brand_id = examples
    async with factory() as session:
        board = await wip_board(session, brand_id, today=DEMO_DAY)
    assert len(board) >= 20
    assert {s.risk.status for s in board} == {LATE, AT_RISK, ON_TRACK}
    assert board == sorted(board, key=urgency)
    assert board[0].risk.status is LATE
    assert board[-1].risk.status is ON_TRACK
    statuses = {s.po_number: s.risk.status for s in board}
    assert statuses["PO-1031"] is LATE  # sewing measured behind plan: observed
    assert statuses["PO-1043"] is AT_RISK  # fabric announced 18 d late: an estimate
    assert statuses["PO-1032"] is ON_TRACK


async def test_po_is_as_late_as_its_latest_production_order(
    examples: tuple[SessionFactory, int],
) -> None:
    status = await _status(examples, "PO-1042")
    a, b = status.orders
    assert (a.number, b.number) == ("PO-1042-A", "PO-1042-B")
    # B's cutting is overdue and waits for a re-approval, but the factory's T&A leaves 11 days
    # from inspection to ex-factory (standard: 3): the float absorbs it, and B says why.
    assert (a.risk.status, b.risk.status) == (ON_TRACK, ON_TRACK)
    assert status.risk.status is ON_TRACK
    assert status.risk.projected_exf == max(a.risk.projected_exf, b.risk.projected_exf)
    assert status.risk.slack_days == (status.committed_exf - status.risk.projected_exf).days
    assert status.risk.drivers
    assert all(d.startswith("PO-1042-B: ") for d in status.risk.drivers)
    assert any("sample re-approval" in d for d in status.risk.drivers)
    # What /po and the CLI show besides the verdict.
    assert (status.brand, status.factory.code, status.factory.country) == (
        "Northwind Apparel",
        "NGB1",
        "CN",
    )
    assert status.factory.timezone == "Asia/Shanghai"
    assert status.total_quantity == a.quantity + b.quantity == 4000
    assert status.colorways == ("Black", "Navy")
    assert a.current_milestone is Milestone.SEWING
    assert status.current_milestone is Milestone.MATERIALS_IN
    assert a.quantities == {"cut": 2400, "sewn": 150}
    assert a.plan[Milestone.SEWING] == date(2026, 11, 20)
    assert a.actual[Milestone.SEWING] == date(2026, 11, 23)
    assert a.milestones[Milestone.SEWING.index].days_late == 3
    assert b.milestones[Milestone.CUTTING.index].days_late == 10  # overdue, not reached
    assert [i.flag.value for i in status.open_issues] == ["sample_reapproval"]
    assert (a.last_checkin_age_days, a.gate_status) == (3, "approved")
    assert 0 < status.percent_complete < a.percent_complete


async def test_as_of_ignores_what_was_reported_later(
    examples: tuple[SessionFactory, int],
) -> None:
    now = await _status(examples, "PO-1046")
    before = await _status(examples, "PO-1046", as_of=date(2026, 11, 20))
    assert now.risk.status is AT_RISK  # only the QC rework estimate takes it past the date
    assert any("QC rejection" in d for d in now.risk.drivers)
    assert before.risk.status is ON_TRACK
    assert before.open_issues == ()
    assert (before.judged_on, before.as_of) == (date(2026, 11, 20), date(2026, 11, 20))
    assert before.current_milestone is Milestone.FINISHING
    assert before.last_checkin_age_days == 3  # 17 Nov, seen from 20 Nov

    shipped = await _status(examples, "PO-1030")
    earlier = await _status(examples, "PO-1030", as_of=date(2026, 11, 20))
    assert shipped.current_milestone is Milestone.SHIPPED
    assert earlier.current_milestone is Milestone.FINISHING


async def test_closures_before_the_planned_ex_factory_are_planned_for(
    examples: tuple[SessionFactory, int],
) -> None:
    # Fabric 18 d late takes PO-1043 past its planned 15 Jan, not yet into Chinese New Year
    # (30 Jan); only the slip past the planned ex-factory meets closures.
    status = await _status(examples, "PO-1043")
    assert status.risk.projected_exf == date(2027, 1, 29)
    assert not any("holiday" in d for d in status.risk.drivers)


async def test_a_plan_that_ships_inside_an_imported_closure_waits_for_the_factory_to_reopen(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """The factory's closures come from its import; an order planned to leave on the second day
    of Chinese New Year is late from the day it is known, one planned after it is on track."""
    brand = "Northwind Apparel"
    factory = [brand, "NGB1", "Ningbo", "CN", "Asia/Shanghai", "zh-Hans", "mon", "09:30"]
    closure = "2027-01-30..2027-02-21 Chinese New Year"
    await run_import(
        session_factory,
        "factories",
        write_csv(tmp_path, "f.csv", FACTORY_HEADER, [[*factory, closure]]),
    )
    rows = [
        [brand, "PO-1", "NGB1", "S1", "", "Navy", "1000", "5", "USD", "2027-02-03", ""],
        [brand, "PO-2", "NGB1", "S1", "", "Navy", "1000", "5", "USD", "2027-02-25", ""],
    ]
    await run_import(session_factory, "pos", write_csv(tmp_path, "p.csv", PO_HEADER, rows))

    async with session_factory() as session:
        brand_id = (await resolve_brand(session, brand)).id
        assert brand_id is not None
        inside = await po_status(session, brand_id, "PO-1", today=DEMO_DAY)
        after = await po_status(session, brand_id, "PO-2", today=DEMO_DAY)
    assert inside is not None and after is not None
    # The brand's buffer (3 d) puts the plan's ex-factory on 31 Jan, inside the closure.
    assert inside.risk.status is LATE
    assert inside.risk.projected_exf == date(2027, 2, 22)
    assert inside.orders[0].risk.drivers == (
        "factory closed on ex-factory 2027-01-31, reopens 2027-02-22",
    )
    assert after.risk.status is ON_TRACK
    assert after.risk.projected_exf == date(2027, 2, 22)


@pytest.mark.parametrize(
    ("typed", "found"),
    [("PO-1042", "PO-1042"), (" po-1042 ", "PO-1042"), ("PO-1042-B", "PO-1042"), ("PO-9", None)],
)
async def test_po_lookup(
    examples: tuple[SessionFactory, int], typed: str, found: str | None
) -> None:
    factory, brand_id = examples
    async with factory() as session:
        status = await po_status(session, brand_id, typed, today=DEMO_DAY)
    assert (status.po_number if status else None) == found


@pytest.mark.parametrize(
    ("typed", "first"),
    [("PO-142", "PO-1042"), ("1042", "PO-1042"), ("po 1031", "PO-1031"), ("zzzz", None)],
)
async def test_close_matches(
    examples: tuple[SessionFactory, int], typed: str, first: str | None
) -> None:
    factory, brand_id = examples
    async with factory() as session:
        matches = await close_matches(session, brand_id, typed)
    assert (matches[0] if matches else None) == first
    assert len(matches) <= 5


async def test_factory_filter_and_late_only(examples: tuple[SessionFactory, int]) -> None:
    factory, brand_id = examples
    async with factory() as session:
        by_code = await wip_board(session, brand_id, today=DEMO_DAY, factory="ngb1")
        by_name = await wip_board(session, brand_id, today=DEMO_DAY, factory="Ningbo")
        late = await wip_board(session, brand_id, today=DEMO_DAY, late_only=True)
        nowhere = await wip_board(session, brand_id, today=DEMO_DAY, factory="Lagos")
    assert by_code and {s.factory.code for s in by_code} == {"NGB1"}
    assert [s.po_number for s in by_name] == [s.po_number for s in by_code]
    assert late and all(s.risk.status is LATE for s in late)
    assert nowhere == []


async def test_json_is_plain(examples: tuple[SessionFactory, int]) -> None:
    data = status_to_json(await _status(examples, "PO-1042"))
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data["risk"]["status"] == "on_track"
    assert data["committed_exf"] == "2027-01-08"
    assert data["lines"][0]["unit_price"] == "16.8000"
    assert data["orders"][0]["milestones"][0]["milestone"] == "materials_in"
    assert data["styles"] == ["NW-QV-720"]


async def test_brands_never_see_each_other(session_factory: SessionFactory, tmp_path: Path) -> None:
    """Two brands with the same PO number: each sees only its own."""
    for brand, code, country, zone in (
        ("Northwind Apparel", "DHK1", "BD", "Asia/Dhaka"),
        ("Acme Outdoor", "POR1", "PT", "Europe/Lisbon"),
    ):
        factories = write_csv(
            tmp_path, f"f-{code}.csv", FACTORY_HEADER[:5], [[brand, code, code, country, zone]]
        )
        await run_import(session_factory, "factories", factories)
        rows = [[brand, "PO-1042", code, "S1", "", "Navy", "900", "5", "USD", "2027-01-15", ""]]
        if brand == "Northwind Apparel":
            rows.append(
                [brand, "PO-1043", code, "S1", "", "Navy", "900", "5", "USD", "2027-01-15", ""]
            )
        await run_import(
            session_factory, "pos", write_csv(tmp_path, f"p-{code}.csv", PO_HEADER, rows)
        )

    async with session_factory() as session:
        with pytest.raises(BrandNotFound, match="several brands"):
            await resolve_brand(session, None)
        acme = await resolve_brand(session, "acme outdoor")
        assert acme.id is not None
        mine = await po_status(session, acme.id, "PO-1042", today=DEMO_DAY)
        other = await po_status(session, acme.id, "PO-1043", today=DEMO_DAY)
        board = await wip_board(session, acme.id, today=DEMO_DAY)
        matches = await close_matches(session, acme.id, "PO-1043")
    assert mine is not None and (mine.brand, mine.factory.code) == ("Acme Outdoor", "POR1")
    assert other is None
    assert [s.po_number for s in board] == ["PO-1042"]
    assert matches == ["PO-1042"]


async def test_a_factory_that_habitually_ships_late_is_expected_to(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Three finished orders shipped 4 days after plan weigh on a fourth that is slipping, shrunk
    for the short record and scaled to the work still ahead; they never flag it alone."""
    brand = "Northwind Apparel"
    await run_import(
        session_factory,
        "factories",
        write_csv(
            tmp_path,
            "f.csv",
            FACTORY_HEADER[:5],
            [[brand, "IZM1", "Izmir Denim", "TR", "Europe/Istanbul"]],
        ),
    )
    rows = [
        [brand, f"PO-{n}", "IZM1", "S1", "", "Navy", "1000", "5", "USD", exf, ""]
        for n, exf in ((1, "2026-10-10"), (2, "2026-10-20"), (3, "2026-11-01"), (4, "2026-12-20"))
    ]
    await run_import(session_factory, "pos", write_csv(tmp_path, "p.csv", PO_HEADER, rows))
    # Plans end 3 days (the brand's buffer) before committed; each shipped 4 days after that:
    # as shipped_on says, or as the reports bound it (after 20 Oct, by 22 Oct: the 21st).
    checkins = [
        ["PO-1-A", "2026-10-14", "shipped", "2026-10-11"],
        ["PO-2-A", "2026-10-20", "inspection", ""],
        ["PO-2-A", "2026-10-22", "shipped", ""],
        ["PO-3-A", "2026-11-02", "shipped", "2026-11-02"],
        ["PO-4-A", "2026-11-06", "materials_in", ""],
    ]
    header = ["production_order", "reported_at", "milestone", "shipped_on"]
    on_plan = await _judge_po4(session_factory, tmp_path, header, checkins, brand)
    assert (on_plan.risk.status, on_plan.risk.drivers) == (ON_TRACK, ())
    slipping = [
        *checkins,
        ["PO-4-A", "2026-11-06 15:00", "materials_in", "", "sample_reapproval:10"],
    ]
    status = await _judge_po4(
        session_factory, tmp_path, [*header, "issues"], [[*r, ""][:5] for r in slipping], brand
    )
    assert status.risk.drivers == ("sample re-approval +10 d", "factory history +1 d")
    assert status.risk.projected_exf == date(2026, 12, 28)
    assert status.risk.status is AT_RISK


async def _judge_po4(
    session_factory: SessionFactory,
    tmp_path: Path,
    header: list[str],
    checkins: list[list[str]],
    brand: str,
) -> PoStatus:
    await run_import(session_factory, "checkins", write_csv(tmp_path, "c.csv", header, checkins))
    async with session_factory() as session:
        found = await resolve_brand(session, None)
        assert found.id is not None
        status = await po_status(session, found.id, "PO-4", today=date(2026, 11, 7))
    assert status is not None
    return status


async def test_several_brands_are_named_on_one_line(sqlite_session_factory: SessionFactory) -> None:
    async with transaction(sqlite_session_factory) as session:
        session.add_all([Brand(name="Acme\u2028Outdoor"), Brand(name="Northwind\x85Apparel")])
    async with sqlite_session_factory() as session:
        with pytest.raises(BrandNotFound) as refused:
            await resolve_brand(session, None)
    message = str(refused.value)
    assert len(message.splitlines()) == 1
    assert "'Acme\\u2028Outdoor'" in message and "'Northwind\\x85Apparel'" in message
