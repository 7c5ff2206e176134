"""The assumptions a generated season is built on, as parameters with defaults.

Every figure here is a claim about how apparel factories behave, written down so that a reader
can see it and change it (docs/seasons.md explains each one). Nothing here knows how wipbot
judges risk: the world is modelled from the factory floor, not from the engine's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    name: str


@dataclass(frozen=True)
class FactoryHabits:
    """One factory: where it is, when it reports, and how it works and talks."""

    code: str
    name: str
    country: str
    timezone: str
    language: str
    checkin_weekday: int
    """0 = Monday."""
    checkin_time: str
    closures: tuple[Closure, ...]
    habit: str
    """A one-word description for people: reliable, late, early or average."""
    share: float
    """Relative share of the season's production orders."""
    trouble: float
    """Multiplier on the chance of every disruption (1.0 = an average factory)."""
    pace: tuple[float, float]
    """Normal sewing pace against its own plan, drawn uniformly per order (1.0 = as planned)."""
    recovery: float
    """Share of the days lost before sewing that overtime wins back during sewing."""
    early_ship_days: int
    """When ready early, ships up to this many days before its planned date (0: waits)."""
    shares_tna: bool
    """Sends its own T&A plan (planned around its closures); else the brand derives one."""
    missed_checkins: float
    """Share of weekly check-ins the contact does not answer."""
    hides: float
    """Share of real problems the contact never reports as an issue."""
    worries: float
    """Chance per check-in of reporting a worry that comes to nothing."""
    revises: float
    """Chance that a contact who reports a large delay also gives a revised ex-factory date."""


@dataclass(frozen=True)
class Disruption:
    """One cause of lost days: how often it strikes an average order and how many days it costs."""

    chance: float
    min_days: int
    mean_extra_days: float
    max_days: int


def _closures(*spans: tuple[str, str, str]) -> tuple[Closure, ...]:
    return tuple(Closure(date.fromisoformat(a), date.fromisoformat(b), n) for a, b, n in spans)


CHINESE_NEW_YEAR_2027 = ("2027-01-30", "2027-02-21", "Chinese New Year")
TET_2027 = ("2027-02-03", "2027-02-14", "Tet holiday")
EID_AL_FITR_BD_2027 = ("2027-03-07", "2027-03-14", "Eid al-Fitr shutdown")
RAMAZAN_BAYRAMI_2027 = ("2027-03-09", "2027-03-11", "Ramazan Bayrami")
PT_SUMMER_2026 = ("2026-08-03", "2026-08-14", "August shutdown")
PT_CHRISTMAS_2026 = ("2026-12-24", "2027-01-01", "Christmas and New Year")

DEFAULT_FACTORIES: tuple[FactoryHabits, ...] = (
    FactoryHabits(
        "DHK1", "Dhaka Knitwear Ltd", "BD", "Asia/Dhaka", "bn", 6, "10:00",
        _closures(EID_AL_FITR_BD_2027), "average", 1.4, 1.0, (0.93, 1.06), 0.3, 0, False,
        0.12, 0.3, 0.05, 0.4,
    ),
    FactoryHabits(
        "CTG1", "Chattogram Apparel Works", "BD", "Asia/Dhaka", "bn", 5, "11:00",
        _closures(EID_AL_FITR_BD_2027), "late", 1.2, 1.7, (0.84, 1.0), 0.1, 0, False,
        0.25, 0.5, 0.04, 0.3,
    ),
    FactoryHabits(
        "HCM1", "Saigon Garment Co.", "VN", "Asia/Ho_Chi_Minh", "vi", 0, "09:00",
        _closures(TET_2027), "reliable", 1.2, 0.5, (0.98, 1.1), 0.5, 0, True,
        0.05, 0.1, 0.06, 0.6,
    ),
    FactoryHabits(
        "HAN1", "Hanoi Sportswear JSC", "VN", "Asia/Ho_Chi_Minh", "vi", 1, "14:00",
        _closures(TET_2027), "early", 1.0, 0.7, (1.05, 1.2), 0.4, 6, True,
        0.08, 0.15, 0.05, 0.5,
    ),
    FactoryHabits(
        "NGB1", "Ningbo Seaside Garments", "CN", "Asia/Shanghai", "zh-Hans", 0, "09:30",
        _closures(CHINESE_NEW_YEAR_2027), "average", 1.0, 1.0, (0.94, 1.06), 0.3, 0, True,
        0.1, 0.25, 0.05, 0.5,
    ),
    FactoryHabits(
        "GZH1", "Guangzhou Outerwear Mfg", "CN", "Asia/Shanghai", "zh-Hans", 2, "16:00",
        _closures(CHINESE_NEW_YEAR_2027), "late", 0.9, 1.5, (0.86, 1.02), 0.15, 0, False,
        0.2, 0.4, 0.06, 0.3,
    ),
    FactoryHabits(
        "IZM1", "Izmir Denim Tekstil", "TR", "Europe/Istanbul", "tr", 1, "10:00",
        _closures(RAMAZAN_BAYRAMI_2027), "reliable", 0.8, 0.6, (0.97, 1.1), 0.4, 2, True,
        0.08, 0.15, 0.05, 0.5,
    ),
    FactoryHabits(
        "PRT1", "Porto Knit Lda", "PT", "Europe/Lisbon", "en", 3, "15:00",
        _closures(PT_SUMMER_2026, PT_CHRISTMAS_2026), "early", 0.6, 0.6, (1.0, 1.15), 0.4, 4,
        True, 0.06, 0.1, 0.04, 0.5,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Disruptions:
    """The causes of missed dates, most frequent first, for an average factory."""

    fabric_late: Disruption = Disruption(0.15, 3, 6.0, 30)
    trims_late: Disruption = Disruption(0.09, 2, 4.0, 15)
    sample_reapproval: Disruption = Disruption(0.05, 4, 4.0, 14)
    capacity: Disruption = Disruption(0.07, 0, 0.0, 0)
    """Strikes as a sewing pace cut to 60-85 % of plan; days follow from the quantity."""
    qc_rejection: Disruption = Disruption(0.06, 3, 3.0, 12)
    shipping_delay: Disruption = Disruption(0.05, 3, 3.0, 12)


@dataclass(frozen=True)
class SeasonAssumptions:
    """A whole season; the multipliers at the end scale the factories' habits for experiments."""

    brand: str = "Northwind Apparel"
    start: date = date(2026, 8, 3)
    """The first Monday of the season: orders are placed from here on."""
    production_orders: int = 350
    committed_from_days: int = 70
    committed_to_days: int = 230
    """Committed ex-factory dates fall between these many days after the start."""
    split_share: float = 0.15
    """Share of POs made in two production orders."""
    buffer_days: tuple[int, int] = (1, 5)
    """Days a factory plans to be ready before the committed date."""
    factories: tuple[FactoryHabits, ...] = DEFAULT_FACTORIES
    disruptions: Disruptions = field(default_factory=Disruptions)
    problem_known_days: tuple[int, int] = (3, 14)
    """How long before the planned materials date a supplier warns the factory of a delay."""
    estimate_error: tuple[float, float] = (0.5, 1.4)
    """A reported delay is the real one times a factor drawn from this range."""
    issue_without_days: float = 0.2
    """Share of reported issues that give no number of days."""
    ad_hoc_shipped: float = 0.3
    """Share of shipments reported on the day rather than at the next weekly check-in."""
    late_checkin: float = 0.1
    """Share of check-ins answered a day after the factory's slot."""
    trouble_scale: float = 1.0
    hide_scale: float = 1.0
    missed_scale: float = 1.0
    worry_scale: float = 1.0
    ramp_up: float = 1.0
    """Pieces done inside a stage follow the share of its time gone raised to this power: 1,
    evenly; 1.5, a learning curve (a third of the time gone, a fifth of the pieces done)."""
    checkin_every_days: int = 7
    """Days between an order's check-ins: a week, as wipbot asks; other cadences test the engine."""
    midweek_checkin_days: int = MIDWEEK_WINDOW_DAYS
    """With weekly check-ins, orders whose committed date is this near (or past) are asked
    mid-week too, as wipbot asks (`WIPBOT_MIDWEEK_CHECKIN_DAYS`); 0, weekly only."""
    not_started_reports: bool = True
    """Write "not started yet" check-ins (blank milestone) before materials arrive."""
    shipped_on_column: bool = True
    """Write the real shipment date on shipped rows (`shipped_on`)."""
    previous_seasons: int = 0
    """Seasons of the same factories before this one, each PREVIOUS_SEASON_DAYS earlier, with
    their own POs (numbered 1000 lower per season): the history a brand learns from. The
    current season is the same whatever this is."""

    def for_today_importer(self) -> SeasonAssumptions:
        """Only what an importer without blank milestones and `shipped_on` reads."""
        return replace(self, not_started_reports=False, shipped_on_column=False)
