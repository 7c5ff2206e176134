"""Settings from the environment that `wipbot run`, `db upgrade` and `slack manifest` cannot use:
one line naming the variable, before a port is bound or a table touched."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .conftest import refused, wipbot


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("WIPBOT_PORT", "abc", "WIPBOT_PORT: Input should be a valid integer"),
        ("WIPBOT_PORT", "99999999", "WIPBOT_PORT: 99999999 is not a port"),
        ("WIPBOT_PORT", "-1", "WIPBOT_PORT: -1 is not a port"),
        ("WIPBOT_REMINDER_HOURS", "-5", "WIPBOT_REMINDER_HOURS: Input should be greater than 0"),
        ("WIPBOT_REMINDER_HOURS", "inf", "WIPBOT_REMINDER_HOURS: inf is not a finite number"),
        ("WIPBOT_OUTBOX_MAX_AGE_HOURS", "1e300", "WIPBOT_OUTBOX_MAX_AGE_HOURS: 1e+300 hours"),
        (
            "WIPBOT_MIDWEEK_CHECKIN_DAYS",
            "-1",
            "WIPBOT_MIDWEEK_CHECKIN_DAYS: Input should be greater",
        ),
        (
            "WIPBOT_MIDWEEK_CHECKIN_DAYS",
            "1e9",
            "WIPBOT_MIDWEEK_CHECKIN_DAYS: Input should be a valid",
        ),
        ("WIPBOT_MIDWEEK_CHECKIN_DAYS", "400", "WIPBOT_MIDWEEK_CHECKIN_DAYS: Input should be less"),
        ("WHATSAPP_TEMPLATE_LANGUAGES", "not json", '"whatsapp_template_languages"'),
    ],
)
def test_run_refuses_settings_it_cannot_use(
    database: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert expected in refused("run")


def test_run_refuses_an_address_it_cannot_listen_on(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by uvicorn only after the scheduler and the leader lock had started, whose
    teardown then logged a cancelled job's traceback; and "listening on" was printed first."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("WIPBOT_PORT", str(port))
        line = refused("run")
    assert line == (
        f"error: WIPBOT_HOST/WIPBOT_PORT: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    monkeypatch.setenv("WIPBOT_HOST", "no-such-host.invalid")
    assert "cannot listen on no-such-host.invalid:" in refused("run")


def test_db_upgrade_names_a_malformed_setting(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIPBOT_ESCALATE_HOURS", "soon")
    assert refused("db", "upgrade").startswith("error: WIPBOT_ESCALATE_HOURS: Input should be")
    monkeypatch.delenv("WIPBOT_ESCALATE_HOURS")
    assert wipbot("db", "upgrade").code == 0


@pytest.mark.parametrize("url", ["not a url", "https://", "ftp://host", "slack.example.com"])
def test_slack_manifest_refuses_a_public_url_slack_cannot_call(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert "--public-url:" in refused("slack", "manifest", "--public-url", url)
    monkeypatch.setenv("WIPBOT_PUBLIC_URL", url)
    assert "WIPBOT_PUBLIC_URL:" in refused("slack", "manifest")
    outcome = wipbot("slack", "manifest", "--public-url", "https://wipbot.example.com")
    assert outcome.code == 0 and "https://wipbot.example.com/slack/events" in outcome.stdout


def test_an_env_file_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved as UTF-16 or Latin-1 by an editor: it was UnicodeDecodeError's traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".env").write_bytes("DATABASE_URL=sqlite+aiosqlite:///./é.db\n".encode("utf-16"))
    expected = "error: .env: not UTF-8 text (byte 0xff at position 0); save it as UTF-8"
    for command in (["po", "list"], ["db", "upgrade"], ["run"], ["slack", "manifest"]):
        assert refused(*command) == expected
    assert not list(tmp_path.glob("*.db"))
