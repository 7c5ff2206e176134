"""Labels shown to factory contacts, marked for translation.

`N_` only marks a message for extraction (Babel's `-k N_`); the text is translated where it is
shown, with the turn's `_`.
"""

from __future__ import annotations

from collections.abc import Callable

from wipbot.production.milestones import IssueFlag, Milestone


def N_(message: str) -> str:
    return message


MILESTONE_LABELS: dict[Milestone, str] = {
    Milestone.MATERIALS_IN: N_("Materials in"),
    Milestone.CUTTING: N_("Cutting"),
    Milestone.SEWING: N_("Sewing"),
    Milestone.FINISHING: N_("Finishing"),
    Milestone.INSPECTION: N_("Inspection"),
    Milestone.SHIPPED: N_("Shipped"),
}

NOT_STARTED_LABEL = N_("Not started yet")
"""The answer before the first milestone: materials are not in, so no stage has begun."""

ISSUE_LABELS: dict[IssueFlag, str] = {
    IssueFlag.FABRIC_LATE: N_("Fabric late"),
    IssueFlag.TRIMS_LATE: N_("Trims late"),
    IssueFlag.SAMPLE_REAPPROVAL: N_("Sample re-approval"),
    IssueFlag.QC_REJECTION: N_("QC rejection"),
    IssueFlag.SHIPPING_DELAY: N_("Shipping delay"),
    IssueFlag.CAPACITY: N_("Capacity"),
    IssueFlag.OTHER: N_("Other"),
}

# The buttons of the issues step, most frequent first; capacity is reported in free text.
ISSUE_BUTTONS: tuple[IssueFlag, ...] = (
    IssueFlag.FABRIC_LATE,
    IssueFlag.TRIMS_LATE,
    IssueFlag.SAMPLE_REAPPROVAL,
    IssueFlag.QC_REJECTION,
    IssueFlag.SHIPPING_DELAY,
    IssueFlag.OTHER,
)

QUANTITY_QUESTIONS: dict[str, str] = {
    "cut": N_("How many pieces are cut so far? (order: {total})"),
    "sewn": N_("How many pieces are sewn so far? (order: {total})"),
    "finished": N_("How many pieces are finished so far? (order: {total})"),
    "packed": N_("How many pieces are packed so far? (order: {total})"),
    "shipped": N_("How many pieces are shipped? (order: {total})"),
}

QUANTITY_NAMES: dict[str, str] = {
    "cut": N_("Cut"),
    "sewn": N_("Sewn"),
    "finished": N_("Finished"),
    "packed": N_("Packed"),
    "shipped": N_("Shipped"),
}


def milestone_label(milestone: Milestone, _: Callable[[str], str]) -> str:
    return _(MILESTONE_LABELS[milestone])


def issue_label(flag: IssueFlag, _: Callable[[str], str]) -> str:
    return _(ISSUE_LABELS[flag])


COMMANDS: tuple[tuple[str, str], ...] = (
    ("checkin", N_("Report progress on your production orders")),
    ("status", N_("Show your open production orders")),
    ("qc", N_("Report a QC inspection")),
    ("cancel", N_("Stop the current check-in")),
    ("help", N_("How this bot works")),
)
"""The commands a factory contact can send at any point, with what the menu says of each."""
