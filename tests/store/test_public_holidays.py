"""Public holidays come from the on-disk cache when it is there, and from `holidays` when not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import holidays
import pytest

from wipbot.store import public_holidays as module
from wipbot.store.public_holidays import cache_path, public_holidays


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    public_holidays.cache_clear()


def test_computed_once_then_read_from_the_cache() -> None:
    expected = frozenset(holidays.country_holidays("BD", years=(2026, 2027)))
    assert public_holidays("BD", (2026, 2027)) == expected
    assert cache_path().exists()
    public_holidays.cache_clear()
    data = json.loads(cache_path().read_text())
    data["countries"]["BD:2026,2027"] = ["2026-01-02"]  # proves the next answer is the cache's
    cache_path().write_text(json.dumps(data))
    assert public_holidays("BD", (2026, 2027)) == {date(2026, 1, 2)}


def test_a_cache_from_another_library_release_or_unreadable_is_ignored() -> None:
    cache_path().parent.mkdir(parents=True)
    cache_path().write_text(
        json.dumps({"library": "older", "countries": {"TR:2026": ["2026-01-02"]}})
    )
    assert date(2026, 1, 2) not in public_holidays("TR", (2026,))
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))
    public_holidays.cache_clear()
    cache_path().write_text("{not json")
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))


def test_an_unknown_country_has_none() -> None:
    assert public_holidays("ZZ", (2026,)) == frozenset()
    assert module._read_cache()["ZZ:2026"] == []


@pytest.mark.parametrize("damaged", [[17], ["not a date"], [None]])
def test_a_damaged_entry_is_computed_again(damaged: list[object]) -> None:
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))
    public_holidays.cache_clear()
    data = json.loads(cache_path().read_text())
    data["countries"]["TR:2026"] = damaged
    cache_path().write_text(json.dumps(data))
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))


def test_two_installations_of_the_library_keep_their_own_dates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "_library_version", lambda: "venv-a")
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))
    first = cache_path()
    data = json.loads(first.read_text())
    data["countries"]["TR:2026"] = ["2026-01-02"]  # proves a later answer is this file's
    first.write_text(json.dumps(data))
    monkeypatch.setattr(module, "_library_version", lambda: "venv-b")
    public_holidays.cache_clear()
    assert date(2026, 1, 1) in public_holidays("TR", (2026,))
    assert cache_path() != first and cache_path().exists()
    monkeypatch.setattr(module, "_library_version", lambda: "venv-a")
    public_holidays.cache_clear()
    assert public_holidays("TR", (2026,)) == {date(2026, 1, 2)}
