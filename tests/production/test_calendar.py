"""The one working-day calendar: both ends of a closure count, and `holidays` loads on demand."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from wipbot.production.calendar import Closure, WorkCalendar, public_holidays


def test_a_closure_covers_both_of_its_ends() -> None:
    closure = Closure(date(2027, 2, 3), date(2027, 2, 5), "Tet")
    assert closure.days() == {date(2027, 2, 3), date(2027, 2, 4), date(2027, 2, 5)}
    assert closure.covers(date(2027, 2, 5)) and not closure.covers(date(2027, 2, 6))


def test_the_prompt_skips_weekends_the_risk_model_counts_only_holidays_and_closures() -> None:
    friday, sunday, victory_day = date(2026, 12, 11), date(2026, 12, 13), date(2026, 12, 16)
    bangladesh = WorkCalendar("BD")  # the weekend is Friday and Saturday
    assert bangladesh.is_working_day(sunday) and not bangladesh.is_working_day(friday)
    assert not bangladesh.is_working_day(victory_day)
    assert victory_day in public_holidays("BD", (2026,))
    assert friday not in public_holidays("BD", (2026,))
    assert public_holidays("ZZ", (2026,)) == frozenset()


def test_importing_the_calendar_does_not_import_holidays() -> None:
    probe = "import sys, wipbot.production.calendar\nprint('holidays' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
