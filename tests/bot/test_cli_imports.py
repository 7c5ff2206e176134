"""The command line starts without importing the platform libraries it does not need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wipbot.bot.config import Settings
from wipbot.cli.database_settings import DatabaseSettings
from wipbot.cli.main import COMMANDS, LazyCommands, app, load_command
from wipbot.store.migrate import script_heads

PLATFORM = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "pywa",
    "aiohttp",
    "httpx",
    "apscheduler",
    "uvicorn",
    "starlette",
)
"""The chat platforms, the scheduler and the web server: `wipbot run` and its like need them."""
HEAVY = (*PLATFORM, "alembic")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def python_printed(probe: str, env: dict[str, str] | None = None) -> str:
    """What `python -c PROBE` printed, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    return done.stdout


def imported_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    return set(python_printed(f"{code}\nimport sys\nprint('\\n'.join(sys.modules))", env).split())


def run_wipbot(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """`wipbot ARGS` as the installed command runs it (through `main`), in a fresh process:
    what it printed, and every module it had imported by the end."""
    probe = (
        "import sys\nfrom wipbot.cli.main import main\n"
        f"sys.argv = ['wipbot', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print('--- modules ---')\nprint('\\n'.join(sys.modules))"
    )
    printed, _, modules = python_printed(probe, env).partition("--- modules ---")
    return printed, set(modules.split())


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_importing_the_cli_imports_no_platform_library_nor_the_database() -> None:
    loaded = top_level(imported_after("import wipbot.cli.main"))
    assert "typer" in loaded
    assert not loaded & {*HEAVY, "sqlalchemy", "sqlmodel"}


def test_help_lists_every_command_without_importing_them() -> None:
    loaded = imported_after(
        "import sys\nfrom wipbot.cli.main import main\nsys.argv = ['wipbot', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert not top_level(loaded) & set(HEAVY)
    ours = {name for name in loaded if name.startswith(("wipbot.cli.", "wipbot.demo"))}
    assert ours == {"wipbot.cli.main"}


def test_help_runs_without_platform_libraries_nor_the_database() -> None:
    printed, loaded = run_wipbot("--help")
    assert "po" in printed and "import" in printed
    assert not top_level(loaded) & {*HEAVY, "sqlalchemy", "sqlmodel"}


@pytest.fixture(scope="module")
def examples_env(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example files imported into a database of their own; the environment that names it."""
    folder = tmp_path_factory.mktemp("po-status")
    path = folder / "examples.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("DATABASE_URL", url)
        for kind in ("factories", "pos", "checkins"):
            result = CliRunner().invoke(app, ["import", kind, str(EXAMPLES / f"{kind}.csv")])
            assert result.exit_code == 0, result.output
    return {**os.environ, "DATABASE_URL": url}


@pytest.mark.parametrize("as_json", [False, True])
def test_po_status_runs_without_platform_libraries(
    examples_env: dict[str, str], as_json: bool
) -> None:
    printed, loaded = run_wipbot(
        "po",
        "status",
        "PO-1030",
        "--today",
        "2026-11-26",
        *(["--json"] if as_json else []),
        env=examples_env,
    )
    assert "PO-1030" in printed and "Ningbo" in printed
    assert not top_level(loaded) & {*HEAVY, "pydantic_settings"}


def test_po_status_defines_only_the_tables_it_reads(examples_env: dict[str, str]) -> None:
    _, loaded = run_wipbot("po", "status", "PO-1030", "--today", "2026-11-26", env=examples_env)
    tables = {name for name in loaded if name.startswith("wipbot.store.models.")}
    assert {"wipbot.store.models.checkin", "wipbot.store.models.orders"} <= tables
    unread = (
        *("alert", "audit", "cost", "digest", "judgement", "messaging", "qc"),
        *("brand_member", "checkin_photo", "gate_checklist"),
    )
    assert not tables & {f"wipbot.store.models.{module}" for module in unread}
    assert "sqlalchemy.dialects.postgresql" not in loaded  # Alert's partial index names it


def test_the_po_command_does_not_import_platform_libraries() -> None:
    loaded = top_level(imported_after("from wipbot.cli import po"))
    assert "sqlmodel" in loaded
    assert not loaded & set(HEAVY)


def test_the_po_command_loads_neither_the_importers_nor_the_holiday_calendars() -> None:
    loaded = imported_after("from wipbot.cli import po")
    assert "wipbot.store.wip" in loaded
    assert not {name for name in loaded if name.startswith("wipbot.store.importing")}
    assert "holidays" not in top_level(loaded)


def test_po_status_as_of_a_day_reads_it_with_the_importers_date_rules(
    examples_env: dict[str, str],
) -> None:
    printed, loaded = run_wipbot(
        "po", "status", "PO-1030", "--as-of", "26/11/2026", "--json", env=examples_env
    )
    assert '"as_of": "2026-11-26"' in printed
    assert "wipbot.store.importing.cells" in loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_loads_under_its_name(name: str) -> None:
    command = load_command(name, COMMANDS[name])
    assert command.name == name


def test_the_app_uses_the_lazy_group() -> None:
    import typer

    assert isinstance(typer.main.get_command(app), LazyCommands)


def test_the_fast_schema_check_knows_the_head_alembic_knows() -> None:
    from alembic.script import ScriptDirectory

    from wipbot.store.migrate import alembic_config

    alembic_heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert script_heads() == alembic_heads


def test_the_command_line_reads_the_database_url_as_the_server_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert DatabaseSettings().database_url == Settings().database_url
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite+aiosqlite:///from-dotenv.db\n")
    read = (DatabaseSettings().database_url, Settings().database_url)
    assert read == ("sqlite+aiosqlite:///from-dotenv.db",) * 2
    (tmp_path / ".env").write_text("DB=x\ndatabase_Url=sqlite+aiosqlite:///${DB}.db\n")
    read = (DatabaseSettings().database_url, Settings().database_url)
    assert read == ("sqlite+aiosqlite:///x.db",) * 2
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///from-env.db")
    read = (DatabaseSettings().database_url, Settings().database_url)
    assert read == ("sqlite+aiosqlite:///from-env.db",) * 2
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("Database_Url", "sqlite+aiosqlite:///any-case.db")
    read = (DatabaseSettings().database_url, Settings().database_url)
    assert read == ("sqlite+aiosqlite:///any-case.db",) * 2
