"""Imports point inward: production <- store <- handlers <- bot, scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "wipbot"

PLATFORM_LIBS = {
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "pywa",
    "apscheduler",
    "starlette",
    "uvicorn",
    "httpx",
    "aiohttp",
    "typer",
}
FORBIDDEN: dict[str, set[str]] = {
    "production": {
        "wipbot.store",
        "wipbot.handlers",
        "wipbot.bot",
        "wipbot.scheduler",
        "sqlmodel",
        "sqlalchemy",
        *PLATFORM_LIBS,
    },
    "store": {"wipbot.handlers", "wipbot.bot", "wipbot.scheduler", *PLATFORM_LIBS},
    "handlers": {"wipbot.bot", "wipbot.scheduler", *PLATFORM_LIBS},
    "scheduler": {"wipbot.bot", "slack_bolt", "slack_sdk", "telegram", "pywa", "starlette"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imported_modules(path):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_inward(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert violations(layer) == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import telegram\nfrom wipbot.store import db\n")
    assert imported_modules(bad) == {"telegram", "wipbot.store"}
