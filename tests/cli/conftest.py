"""The real `wipbot` command line, driven as an operator or a hostile user would drive it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wipbot.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def wipbot(*args: str) -> Outcome:
    """Run a command; whatever it was given, it ends in an exit status, never an exception."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"wipbot {' '.join(a[:40] for a in args)} raised {result.exception!r}"
    )
    return Outcome(result.exit_code, result.stdout, result.stderr)


def refused(*args: str, code: int = 1) -> str:
    """The command refused its input with one error line on stderr; returns that line."""
    outcome = wipbot(*args)
    assert outcome.code == code, (outcome.code, outcome.stdout, outcome.stderr)
    assert "Traceback" not in outcome.stderr
    if code == 1:
        lines = outcome.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr
    return outcome.stderr.strip()


def use_database(url: str, where: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(where)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def database(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty, migrated database: SQLite, then PostgreSQL."""
    return use_database(db_url, tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def imported_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples imported once through the CLI; each test works on its own copy."""
    path = tmp_path_factory.mktemp("cli") / "examples.db"
    shutil.copyfile(sqlite_template, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
        for kind in ("factories", "pos", "checkins", "charges", "qc"):
            assert wipbot("import", kind, str(EXAMPLES / f"{kind}.csv")).code == 0
    return path


@pytest.fixture
def examples(imported_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "examples.db"
    shutil.copyfile(imported_db, copy)
    use_database(f"sqlite+aiosqlite:///{copy}", tmp_path, monkeypatch)
    return copy
