"""The one milestone schema every factory reports against, so reports stay comparable."""

from __future__ import annotations

from enum import StrEnum


class Milestone(StrEnum):
    MATERIALS_IN = "materials_in"
    CUTTING = "cutting"
    SEWING = "sewing"
    FINISHING = "finishing"
    INSPECTION = "inspection"
    SHIPPED = "shipped"

    @property
    def index(self) -> int:  # type: ignore[override]
        """Position in the schema; shadows str.index, which no caller needs on a milestone."""
        return MILESTONES.index(self)

    @property
    def is_bulk(self) -> bool:
        """Bulk work starts at cutting: reporting it before the gate is a gate breach."""
        return self.index >= Milestone.CUTTING.index

    @property
    def quantity_field(self) -> str | None:
        """The quantity that measures progress inside this stage."""
        return STAGE_QUANTITY.get(self)

    def next(self) -> Milestone | None:
        i = self.index + 1
        return MILESTONES[i] if i < len(MILESTONES) else None


MILESTONES: tuple[Milestone, ...] = tuple(Milestone)

QUANTITY_FIELDS: tuple[str, ...] = ("cut", "sewn", "finished", "packed", "shipped")

STAGE_QUANTITY: dict[Milestone, str] = {
    Milestone.CUTTING: "cut",
    Milestone.SEWING: "sewn",
    Milestone.FINISHING: "finished",
    Milestone.INSPECTION: "packed",
    Milestone.SHIPPED: "shipped",
}

# Share of the whole job each stage represents; sewing dominates apparel lead time.
STAGE_WEIGHT: dict[Milestone, int] = {
    Milestone.MATERIALS_IN: 5,
    Milestone.CUTTING: 10,
    Milestone.SEWING: 50,
    Milestone.FINISHING: 20,
    Milestone.INSPECTION: 10,
    Milestone.SHIPPED: 5,
}

# Calendar days from reaching a milestone to reaching the next one, for a typical woven or knit
# programme; used to derive a T&A plan backwards when the import gives none.
STANDARD_DAYS_TO_NEXT: dict[Milestone, int] = {
    Milestone.MATERIALS_IN: 7,
    Milestone.CUTTING: 5,
    Milestone.SEWING: 21,
    Milestone.FINISHING: 7,
    Milestone.INSPECTION: 3,
}

# The fastest a stage plausibly runs, in calendar days, to reach the next milestone. A plan the
# brand derived without the factory's T&A is not the factory's schedule: its intermediate dates
# are guesses, so a milestone counts as overdue only once it is too late to make ex-factory
# even at these durations (see production/tna.py: latest_plan).
FASTEST_DAYS_TO_NEXT: dict[Milestone, int] = {
    Milestone.MATERIALS_IN: 4,
    Milestone.CUTTING: 3,
    Milestone.SEWING: 12,
    Milestone.FINISHING: 5,
    Milestone.INSPECTION: 2,
}


def parse_milestone(value: str) -> Milestone:
    """Accept the canonical name and the spellings spreadsheets use ("Materials In", "sewing")."""
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "materials": "materials_in",
        "material_in": "materials_in",
        "cut": "cutting",
        "sew": "sewing",
        "finish": "finishing",
        "inspect": "inspection",
        "ship": "shipped",
        "qc": "inspection",
        "packing": "finishing",
    }
    key = aliases.get(key, key)
    try:
        return Milestone(key)
    except ValueError:
        names = ", ".join(MILESTONES)
        raise ValueError(f"unknown milestone {value!r}; expected one of {names}") from None


class IssueFlag(StrEnum):
    """Known causes of missed dates, most frequent first."""

    FABRIC_LATE = "fabric_late"
    TRIMS_LATE = "trims_late"
    SAMPLE_REAPPROVAL = "sample_reapproval"
    QC_REJECTION = "qc_rejection"
    SHIPPING_DELAY = "shipping_delay"
    CAPACITY = "capacity"
    OTHER = "other"


def parse_issue_flag(value: str) -> IssueFlag:
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return IssueFlag(key)
    except ValueError:
        names = ", ".join(IssueFlag)
        raise ValueError(f"unknown issue {value!r}; expected one of {names}") from None
