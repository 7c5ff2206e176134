"""ISO 2859-1 single sampling plans, normal inspection: how many pieces to pull and how many
defects a lot may show before it fails.

Table I maps a lot size and an inspection level to a sample size code letter; Table II-A maps the
letter and an AQL to a sample size and accept/reject numbers. Where Table II-A shows an arrow, the
first plan in the arrow's direction applies, with that plan's own sample size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
    "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
}  # fmt: skip
CODE_LETTERS: tuple[str, ...] = tuple(SAMPLE_SIZES)

LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# Table I: upper bound of each lot-size range, then the code letter per level in LEVELS order.
_TABLE_I: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

AQLS: tuple[Decimal, ...] = tuple(
    Decimal(v)
    for v in ("0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
              "1.0", "1.5", "2.5", "4.0", "6.5")
)  # fmt: skip

# Table II-A, one row per code letter, one cell per AQL in AQLS order.
# "v": use the first plan below; "^": use the first plan above; "a/r": accept a, reject r.
_TABLE_II_A: dict[str, str] = {
    #    0.025 .040 .065 0.10 0.15  0.25  0.40  0.65  1.0   1.5   2.5   4.0   6.5
    "A": "v    v    v    v    v     v     v     v     v     v     v     v     0/1",
    "B": "v    v    v    v    v     v     v     v     v     v     v     0/1   ^",
    "C": "v    v    v    v    v     v     v     v     v     v     0/1   ^     v",
    "D": "v    v    v    v    v     v     v     v     v     0/1   ^     v     1/2",
    "E": "v    v    v    v    v     v     v     v     0/1   ^     v     1/2   2/3",
    "F": "v    v    v    v    v     v     v     0/1   ^     v     1/2   2/3   3/4",
    "G": "v    v    v    v    v     v     0/1   ^     v     1/2   2/3   3/4   5/6",
    "H": "v    v    v    v    v     0/1   ^     v     1/2   2/3   3/4   5/6   7/8",
    "J": "v    v    v    v    0/1   ^     v     1/2   2/3   3/4   5/6   7/8   10/11",
    "K": "v    v    v    0/1  ^     v     1/2   2/3   3/4   5/6   7/8   10/11 14/15",
    "L": "v    v    0/1  ^    v     1/2   2/3   3/4   5/6   7/8   10/11 14/15 21/22",
    "M": "v    0/1  ^    v    1/2   2/3   3/4   5/6   7/8   10/11 14/15 21/22 ^",
    "N": "0/1  ^    v    1/2  2/3   3/4   5/6   7/8   10/11 14/15 21/22 ^     ^",
    "P": "^    v    1/2  2/3  3/4   5/6   7/8   10/11 14/15 21/22 ^     ^     ^",
    "Q": "v    1/2  2/3  3/4  5/6   7/8   10/11 14/15 21/22 ^     ^     ^     ^",
    "R": "1/2  2/3  3/4  5/6  7/8   10/11 14/15 21/22 ^     ^     ^     ^     ^",
}

ZERO_TOLERANCE = Decimal("0")


def _check_lot_size(lot_size: int) -> None:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise ValueError(f"lot size must be a whole number of pieces, got {lot_size!r}")
    if lot_size < 2:
        raise ValueError(f"lot size must be at least 2 pieces for sampling, got {lot_size}")


def _check_aql(aql: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(aql))
    except InvalidOperation:
        raise ValueError(f"AQL must be a number, got {aql!r}") from None
    if value != ZERO_TOLERANCE and value not in AQLS:
        known = ", ".join(str(a) for a in (ZERO_TOLERANCE, *AQLS))
        raise ValueError(f"unsupported AQL {aql}; expected one of {known}")
    return value


@dataclass(frozen=True)
class SamplingPlan:
    """code_letter is the letter of the plan applied, after following any arrow."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int


@dataclass(frozen=True)
class AqlConfig:
    level: str = "II"
    critical: Decimal = Decimal("0")
    major: Decimal = Decimal("2.5")
    minor: Decimal = Decimal("4.0")

    def __post_init__(self) -> None:
        """Refuse a bad configuration when it is made, not at the first inspection."""
        normalize_level(self.level)
        for severity in Severity:
            _check_aql(self.aql_for(severity))

    def aql_for(self, severity: Severity) -> Decimal:
        return {
            Severity.CRITICAL: self.critical,
            Severity.MAJOR: self.major,
            Severity.MINOR: self.minor,
        }[severity]


@dataclass(frozen=True)
class InspectionVerdict:
    passed: bool
    sample_size_by_severity: dict[Severity, int]
    plans: dict[Severity, SamplingPlan]
    found: dict[Severity, int]
    reasons: tuple[str, ...]

    @property
    def sample_size(self) -> int:
        """Pieces to pull: the largest sample any severity needs covers the others."""
        return max(self.sample_size_by_severity.values())


def normalize_level(level: str) -> str:
    """Accept the spellings inspection reports use: "II", "G-II", "2", "S-3", "S3"."""
    key = level.strip().upper().replace(" ", "").removeprefix("G-")
    key = {"1": "I", "2": "II", "3": "III"}.get(key, key)
    if key.startswith("S") and not key.startswith("S-"):
        key = "S-" + key[1:]
    if key not in LEVELS:
        raise ValueError(f"unknown inspection level {level!r}; expected one of {', '.join(LEVELS)}")
    return key


def code_letter(lot_size: int, level: str = "II") -> str:
    _check_lot_size(lot_size)
    column = LEVELS.index(normalize_level(level))
    for upper, letters in _TABLE_I:
        if upper is None or lot_size <= upper:
            return letters[column]
    raise AssertionError("Table I has an open-ended last row")


def sampling_plan(lot_size: int, aql: Decimal, level: str = "II") -> SamplingPlan:
    """AQL 0 is zero tolerance (critical defects): accept 0, reject 1 at the level's sample size.

    A sample at least as large as the lot means 100 % inspection: the sample is the lot.
    """
    letter = code_letter(lot_size, level)
    value = _check_aql(aql)
    if value == ZERO_TOLERANCE:
        plan = SamplingPlan(letter, SAMPLE_SIZES[letter], 0, 1)
    else:
        plan = _table_plan(letter, AQLS.index(value))
    return SamplingPlan(plan.code_letter, min(plan.sample_size, lot_size), plan.accept, plan.reject)


def judge(
    lot_size: int, defects: Mapping[Severity, int], config: AqlConfig = AqlConfig()
) -> InspectionVerdict:
    """Each severity is judged against its own plan; one failing severity fails the lot."""
    found = _check_defects(defects)
    plans = {s: sampling_plan(lot_size, config.aql_for(s), config.level) for s in Severity}
    reasons = tuple(
        f"{s.value} defects {found[s]} > accept {plans[s].accept} "
        f"(AQL {config.aql_for(s)}, sample {plans[s].sample_size})"
        for s in Severity
        if found[s] > plans[s].accept
    )
    return InspectionVerdict(
        passed=not reasons,
        sample_size_by_severity={s: p.sample_size for s, p in plans.items()},
        plans=plans,
        found=found,
        reasons=reasons,
    )


def _table_plan(letter: str, column: int) -> SamplingPlan:
    row = CODE_LETTERS.index(letter)
    while True:
        cell = _TABLE_II_A[CODE_LETTERS[row]].split()[column]
        if cell == "v":
            row += 1
        elif cell == "^":
            row -= 1
        else:
            accept, reject = (int(n) for n in cell.split("/"))
            letter = CODE_LETTERS[row]
            return SamplingPlan(letter, SAMPLE_SIZES[letter], accept, reject)


def _check_defects(defects: Mapping[Severity, int]) -> dict[Severity, int]:
    found = dict.fromkeys(Severity, 0)
    for key, count in defects.items():
        try:
            severity = Severity(key)
        except ValueError:
            names = ", ".join(Severity)
            raise ValueError(f"unknown severity {key!r}; expected one of {names}") from None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            message = f"{severity.value} defect count must be a whole number >= 0, got {count!r}"
            raise ValueError(message)
        found[severity] = count
    return found
