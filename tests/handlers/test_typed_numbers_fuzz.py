"""Every reader of a number a person typed or a button carried, over any text: a number in
range or a refusal, never an exception.

The cases that broke them: digits Unicode calls digits but int() does not read ("²", "①"),
and runs of more digits than int() converts (4,300).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wipbot.bot.whatsapp.render import MAX_ROW_ID, more_id, parse_more
from wipbot.handlers.checkin_input import parse_count, parse_days, parse_quantity
from wipbot.handlers.qc import parse_defect
from wipbot.production.language import COUNT_CEILING
from wipbot.store.importing.cells import parse_weekday

pytestmark = pytest.mark.fuzz

DIGIT_LIKE = "0123456789²³¹①⑨٣৮８𝟘 ,."
numbers = st.one_of(
    st.text(alphabet=DIGIT_LIKE, max_size=12),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=20),
)


@given(text=numbers, order=st.integers(min_value=1, max_value=10**6))
def test_counts_and_days_are_in_range_or_refused(text: str, order: int) -> None:
    count = parse_count(text)
    assert count is None or 0 <= count <= COUNT_CEILING
    quantity = parse_quantity(text, order)
    assert quantity is None or 0 <= quantity <= order + order // 10
    days = parse_days(text)
    assert days is None or 0 <= days <= 365


@given(count=numbers, severity=st.sampled_from(["major", "minor", "critical", "x"]))
def test_a_defect_is_read_or_refused_with_a_value_error(count: str, severity: str) -> None:
    try:
        defect = parse_defect(f"open seam:{severity}:{count}")
    except ValueError as error:
        assert "open seam" in str(error)
    else:
        assert 1 <= defect.count < 10**8


@given(first=numbers, second=numbers)
def test_a_more_row_id_is_read_or_ignored(first: str, second: str) -> None:
    page = parse_more(f"wa-more:{first}:{second}")
    assert page is None or (0 <= page.message_id <= MAX_ROW_ID and 0 <= page.offset <= MAX_ROW_ID)
    if page is not None:
        assert parse_more(more_id(page.message_id, page.offset)) == page


@given(text=numbers)
def test_a_weekday_is_read_or_refused_with_a_value_error(text: str) -> None:
    try:
        weekday = parse_weekday(text)
    except ValueError as error:
        assert "weekday" in str(error)
    else:
        assert 0 <= weekday <= 6
