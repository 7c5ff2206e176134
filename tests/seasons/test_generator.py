"""The season generator: deterministic, importable columns, and the world it claims to model."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS
from wipbot.production.milestones import Milestone
from wipbot.seasons import Season, SeasonAssumptions, generate_season, write_season
from wipbot.seasons.reports import CheckInRow
from wipbot.store.importing import checkins, factories, pos

SMALL = SeasonAssumptions(production_orders=120)


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return next(csv.reader(handle))


def test_same_seed_same_season_other_seed_other_season(tmp_path: Path) -> None:
    first = write_season(generate_season(7, SMALL), tmp_path / "a")
    again = write_season(generate_season(7, SMALL), tmp_path / "b")
    other = write_season(generate_season(8, SMALL), tmp_path / "c")
    assert [p.read_text() for p in first] == [p.read_text() for p in again]
    assert first[2].read_text() != other[2].read_text()


def test_files_use_only_the_columns_the_importers_read(tmp_path: Path) -> None:
    paths = write_season(generate_season(1, SMALL), tmp_path)
    for path, module in zip(paths, (factories, pos, checkins), strict=False):
        known = set(module.REQUIRED) | set(module.OPTIONAL)
        assert set(header(path)) <= known, path.name
        assert set(module.REQUIRED) <= set(header(path)), path.name


def test_default_season_has_the_promised_shape() -> None:
    season = generate_season(3)
    assert len(season.orders) == 350
    assert {f.country for f in season.assumptions.factories} == {"BD", "VN", "CN", "TR", "PT"}
    assert 0.2 <= season.late_share <= 0.45
    causes = [p.flag.value for o in season.orders for p in o.problems]
    assert max(set(causes), key=causes.count) == "fabric_late"
    assert any(p.hidden for o in season.orders for p in o.problems)
    # Early shippers do ship before their planned date; late factories slip more.
    early = [o for o in season.orders if o.factory.habit == "early"]
    assert any(o.shipped_on < o.plan[Milestone.SHIPPED] for o in early)
    late_share = {
        habit: sum(o.days_late > 0 for o in group) / len(group)
        for habit in ("reliable", "late")
        if (group := [o for o in season.orders if o.factory.habit == habit])
    }
    assert late_share["late"] > 2 * late_share["reliable"]


def test_goods_ready_early_leave_before_a_closure_not_during_it() -> None:
    """Only a missed vessel moves a shipment after the goods have left a working factory."""
    shipped_in_closure = []
    for seed in (1, 2, 3):
        for order in generate_season(seed).orders:
            if any(p.flag.value == "shipping_delay" for p in order.problems):
                continue
            closed = any(c.start <= order.shipped_on <= c.end for c in order.factory.closures)
            if closed:
                shipped_in_closure.append(order.number)
    assert shipped_in_closure == []


def test_a_factory_plans_to_ship_on_a_working_day() -> None:
    """A committed date less the buffer that falls in a closure is planned on its eve: planned
    inside it, the plan's last stage would end after the closure even when kept."""
    planned_in_closure = [
        order.number
        for seed in (1, 2, 3)
        for order in generate_season(seed, SMALL).orders
        if any(c.start <= order.plan[Milestone.SHIPPED] <= c.end for c in order.factory.closures)
    ]
    assert planned_in_closure == []


def test_reports_follow_the_truth_and_stop_at_the_shipment() -> None:
    season = generate_season(5, SMALL)
    truth = {o.number: o for o in season.orders}
    not_started = 0
    for row in season.checkins:
        order = truth[row.production_order]
        day = row.reported_at.date()
        assert day <= order.shipped_on or row.milestone is Milestone.SHIPPED
        reached = [m for m in Milestone if order.actual[m] <= day]
        assert row.milestone == (reached[-1] if reached else None)
        not_started += row.milestone is None
        if row.milestone is Milestone.SHIPPED:
            assert row.shipped_on == order.shipped_on
    assert not_started > 0
    shipped = {r.production_order for r in season.checkins if r.milestone is Milestone.SHIPPED}
    assert shipped == set(truth)


def test_today_importer_option_writes_no_blank_milestone_nor_shipped_on(tmp_path: Path) -> None:
    season = generate_season(2, SMALL.for_today_importer())
    assert all(row.milestone is not None for row in season.checkins)
    paths = write_season(season, tmp_path)
    assert "shipped_on" not in header(paths[2])


def test_more_hiding_means_fewer_problems_reported() -> None:
    def reported(scale: float) -> int:
        season = generate_season(4, replace(SMALL, hide_scale=scale, worry_scale=0.0))
        return sum(len(row.issues) for row in season.checkins)

    assert reported(2.0) < reported(1.0) < reported(0.0)


def test_the_generator_imports_nothing_of_wipbot_but_the_production_rules() -> None:
    import ast

    import wipbot.seasons

    package = Path(wipbot.seasons.__file__).parent
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    ours = {name for name in imported if name.startswith("wipbot")}
    assert ours and all(name.startswith("wipbot.production") for name in ours)
    assert "wipbot.production.risk" not in ours  # a world model, not a mirror of the engine


def test_previous_seasons_come_before_and_leave_the_current_one_as_it_was() -> None:
    alone = generate_season(5, SMALL)
    both = generate_season(5, replace(SMALL, previous_seasons=1))
    assert len(both.orders) == 2 * len(alone.orders)
    current = [o for o in both.orders if o.number.startswith("PO-2")]
    earlier = [o for o in both.orders if o.number.startswith("PO-1")]
    assert current == list(alone.orders)
    assert len(earlier) == len(alone.orders)
    assert {o.factory.code for o in earlier} <= {f.code for f in SMALL.factories}
    assert max(o.committed for o in earlier) < max(o.committed for o in current)
    assert min(o.committed for o in earlier) < SMALL.start < min(o.committed for o in current)


def test_no_two_seasons_share_a_po_number() -> None:
    """Four seasons back numbered PO--999…; a season of 1,000 POs or more reached the numbers
    of the season after it."""
    many = generate_season(2, replace(SMALL, previous_seasons=4))
    numbers = [po.po_number for po in many.purchase_orders]
    assert len(numbers) == len(set(numbers))
    assert all(n.startswith(("PO-1", "PO-2", "PO-S2-", "PO-S3-", "PO-S4-")) for n in numbers)
    assert not any("--" in number for number in numbers)
    large = generate_season(2, replace(SMALL, production_orders=1300, previous_seasons=1))
    numbers = [po.po_number for po in large.purchase_orders]
    assert len(numbers) == len(set(numbers))


def test_a_ramp_up_changes_only_the_quantities_reported_inside_a_stage() -> None:
    even = generate_season(5, SMALL)
    ramping = generate_season(5, replace(SMALL, ramp_up=1.5))
    assert [o.actual for o in even.orders] == [o.actual for o in ramping.orders]
    pairs = [
        (a.quantities.get("sewn"), b.quantities.get("sewn"))
        for a, b in zip(even.checkins, ramping.checkins, strict=True)
        if a.milestone is Milestone.SEWING
    ]
    inside = [(a, b) for a, b in pairs if a and b and a < max(o.quantity for o in even.orders)]
    assert inside and all(b <= a for a, b in inside)
    assert sum(b < a for a, b in inside) > len(inside) / 2


def _gaps(season: Season) -> list[tuple[CheckInRow, int]]:
    """Each report but an order's first with the days since the order's previous report."""
    return [
        (b, (b.reported_at.date() - a.reported_at.date()).days)
        for a, b in zip(season.checkins, season.checkins[1:], strict=False)
        if a.production_order == b.production_order and b.milestone is not Milestone.SHIPPED
    ]


def test_check_ins_come_at_the_cadence_asked() -> None:
    for every in (3, 7, 14):
        season = generate_season(
            2, replace(SMALL, checkin_every_days=every, midweek_checkin_days=0)
        )
        gaps = {gap for _, gap in _gaps(season)}
        # A late check-in moves one report by a day; a missed one doubles a gap.
        assert sorted(gaps)[:3] == [every - 1, every, every + 1], (every, sorted(gaps))


def test_orders_near_their_committed_date_are_asked_mid_week_too() -> None:
    season = generate_season(2, SMALL)
    committed = {t.number: t.committed for t in season.orders}
    short = [
        (committed[row.production_order] - row.reported_at.date()).days
        for row, gap in _gaps(season)
        if gap <= 4
    ]
    weekly = [
        (committed[row.production_order] - row.reported_at.date()).days
        for row, gap in _gaps(season)
        if gap >= 6
    ]
    assert short and max(short) <= MIDWEEK_WINDOW_DAYS + 1  # a day late at most
    assert max(weekly) > MIDWEEK_WINDOW_DAYS + 7
    assert len(season.checkins) > len(
        generate_season(2, replace(SMALL, midweek_checkin_days=0)).checkins
    )
