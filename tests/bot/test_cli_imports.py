"""The command line starts without importing the platform libraries it does not need."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wipbot.cli.main import COMMANDS, LazyCommands, app, load_command
from wipbot.store.migrate import script_heads

HEAVY = ("slack_bolt", "slack_sdk", "telegram", "apscheduler", "uvicorn", "starlette", "alembic")


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


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


def test_the_po_command_does_not_import_platform_libraries() -> None:
    loaded = top_level(imported_after("from wipbot.cli import po"))
    assert "sqlmodel" in loaded
    assert not loaded & set(HEAVY)


def test_the_po_command_loads_neither_other_importers_nor_the_holiday_calendars() -> None:
    loaded = imported_after("from wipbot.cli import po")
    assert "wipbot.store.importing.cells" in loaded
    others = {f"wipbot.store.importing.{kind}" for kind in ("checkins", "charges", "qc")}
    assert not loaded & others
    assert "holidays" not in top_level(loaded)


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
