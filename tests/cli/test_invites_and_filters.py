"""`contact invite` checks the language and what its link is made of before the invite is
written; an empty filter is refused rather than read as "everything"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import refused, wipbot

INVITE = ["contact", "invite", "--factory", "HCM1", "--name", "Lan"]


def _contacts() -> list[dict[str, object]]:
    outcome = wipbot("contact", "list", "--json")
    assert outcome.code == 0, outcome.stderr
    contacts: list[dict[str, object]] = json.loads(outcome.stdout)
    return contacts


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--platform", "console", "--language", "xx"], "--language: 'xx' is not a language tag"),
        (["--platform", "telegram", "--bot-username", "bad name!"], "--bot-username: 'bad name!'"),
        (["--platform", "telegram", "--bot-username", "abc"], "is not a Telegram username"),
        (["--platform", "whatsapp", "--whatsapp-number", "abc"], "--whatsapp-number: 'abc' is not"),
        (["--platform", "whatsapp", "--whatsapp-number", "1" * 16], "is not an international"),
    ],
)
def test_invite_refuses_what_makes_no_working_link(
    examples: Path, args: list[str], expected: str
) -> None:
    before = _contacts()
    assert expected in refused(*INVITE, *args)
    assert _contacts() == before


def test_invite_names_the_variable_a_bad_handle_came_from(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIPBOT_TELEGRAM_BOT_USERNAME", "no")
    assert "WIPBOT_TELEGRAM_BOT_USERNAME: 'no'" in refused(*INVITE, "--platform", "telegram")
    monkeypatch.setenv("WIPBOT_WHATSAPP_NUMBER", "call me")
    assert "WIPBOT_WHATSAPP_NUMBER: 'call me'" in refused(*INVITE, "--platform", "whatsapp")


def test_invite_links_that_work_are_made(examples: Path) -> None:
    outcome = wipbot(*INVITE, "--platform", "telegram", "--bot-username", "@northwind_bot")
    assert outcome.code == 0 and outcome.stdout.startswith("https://t.me/northwind_bot?start=")
    outcome = wipbot(*INVITE, "--platform", "whatsapp", "--whatsapp-number", "+84 90 123 4567")
    assert outcome.code == 0 and outcome.stdout.startswith("https://wa.me/84901234567?text=")
    assert wipbot(*INVITE, "--platform", "console", "--language", "zh_CN").code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["po", "list", "--factory", ""],
        ["report", "defects", "--factory", " "],
        ["report", "defects", "--style", ""],
        ["report", "defects", "--season", ""],
    ],
)
def test_an_empty_filter_is_refused_not_read_as_everything(examples: Path, args: list[str]) -> None:
    """`wipbot po list --factory "$F"` with F unset listed every factory's POs."""
    assert refused(*args).endswith(f"{args[-2]}: must not be empty")
