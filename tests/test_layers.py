"""Imports point inward: production <- store <- handlers <- bot, scheduler <- demo, cli.

The command line (`cli/`) and the demo (`demo/`) are entry points: no runtime layer imports them,
and the command line imports the demo only inside the function that runs it, so `wipbot --help`
stays light. The platform adapters under `bot/` do not import each other.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "wipbot"

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
ENTRY_POINTS = {"wipbot.cli", "wipbot.demo"}
FORBIDDEN: dict[str, set[str]] = {
    "production": {
        "wipbot.store",
        "wipbot.handlers",
        "wipbot.bot",
        "wipbot.scheduler",
        "sqlmodel",
        "sqlalchemy",
        *ENTRY_POINTS,
        *PLATFORM_LIBS,
    },
    "store": {"wipbot.handlers", "wipbot.bot", "wipbot.scheduler", *ENTRY_POINTS, *PLATFORM_LIBS},
    "handlers": {"wipbot.bot", "wipbot.scheduler", *ENTRY_POINTS, *PLATFORM_LIBS},
    "bot": ENTRY_POINTS,
    "scheduler": {
        "wipbot.bot",
        "slack_bolt",
        "slack_sdk",
        "telegram",
        "pywa",
        "starlette",
        *ENTRY_POINTS,
    },
}
ADAPTERS = ("slack", "telegram", "whatsapp", "console")
"""Packages under bot/, one per platform; each may use bot/'s shared modules, not another."""
LAZY_ONLY: dict[str, set[str]] = {"cli": {"wipbot.demo"}}
"""What a layer may import only inside a function, never when the module loads."""


def module_name(path: Path, root: Path) -> str:
    """The dotted name of the module at `path`, `root` being the `wipbot` package directory."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, *, module: str = "", eager_only: bool = False) -> set[str]:
    """Absolute names imported by the file; relative imports resolved against `module`.

    With `eager_only`, imports inside functions (run only when called) are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _nodes(tree, eager_only=eager_only):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.add(node.module)
                continue
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
            if node.module:
                names.add(f"{base}.{node.module}")
            else:
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _nodes(tree: ast.AST, *, eager_only: bool) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if eager_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        yield node
        yield from _nodes(node, eager_only=eager_only)


def _matches(name: str, banned: str) -> bool:
    return name == banned or name.startswith(banned + ".")


def violations(layer: str, root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        for name in imported_modules(path, module=module_name(path, root)):
            for banned in FORBIDDEN[layer]:
                if _matches(name, banned):
                    found.append(f"{path.relative_to(root)} imports {name}")
    return found


def adapter_violations(root: Path = PACKAGE) -> list[str]:
    found = []
    for adapter in ADAPTERS:
        others = {f"wipbot.bot.{other}" for other in ADAPTERS if other != adapter}
        for path in sorted((root / "bot" / adapter).rglob("*.py")):
            for name in imported_modules(path, module=module_name(path, root)):
                if any(_matches(name, other) for other in others):
                    found.append(f"{path.relative_to(root)} imports {name}")
    return found


def eager_violations(layer: str, root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        loaded = imported_modules(path, module=module_name(path, root), eager_only=True)
        for name in loaded:
            if any(_matches(name, lazy) for lazy in LAZY_ONLY[layer]):
                found.append(f"{path.relative_to(root)} imports {name} when it loads")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_inward(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert violations(layer) == []


def test_adapters_do_not_import_each_other() -> None:
    assert all((PACKAGE / "bot" / adapter).is_dir() for adapter in ADAPTERS)
    assert adapter_violations() == []


@pytest.mark.parametrize("layer", sorted(LAZY_ONLY))
def test_entry_points_import_the_demo_only_when_it_runs(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert eager_violations(layer) == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import telegram\nfrom wipbot.store import db\n")
    assert imported_modules(bad) == {"telegram", "wipbot.store"}


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_checks_catch_each_new_kind_of_violation(tmp_path: Path) -> None:
    root = tmp_path / "wipbot"
    _write(root, "store/wip.py", "from wipbot.cli.common import console\n")
    _write(root, "handlers/qc.py", "from ..demo import context\n")
    _write(root, "scheduler/jobs.py", "def later() -> None:\n    import wipbot.demo.clock\n")
    _write(root, "bot/web.py", "from wipbot.cli import main\n")
    _write(root, "bot/slack/app.py", "from ..telegram.app import build\n")
    _write(root, "bot/telegram/__init__.py", "from wipbot.bot.whatsapp import graph\n")
    _write(root, "bot/whatsapp/app.py", "from .. import console\nfrom ..channel import Channel\n")
    _write(root, "bot/console/chat.py", "from . import inbox\n")
    _write(root, "cli/demo.py", "from wipbot.demo.command import demo_command\n")
    _write(root, "cli/po.py", "def run() -> None:\n    from wipbot.demo import command\n")

    assert violations("store", root) == ["store/wip.py imports wipbot.cli.common"]
    assert violations("handlers", root) == ["handlers/qc.py imports wipbot.demo"]
    assert violations("scheduler", root) == ["scheduler/jobs.py imports wipbot.demo.clock"]
    assert violations("bot", root) == ["bot/web.py imports wipbot.cli"]
    assert adapter_violations(root) == [
        "bot/slack/app.py imports wipbot.bot.telegram.app",
        "bot/telegram/__init__.py imports wipbot.bot.whatsapp",
        "bot/whatsapp/app.py imports wipbot.bot.console",
    ]
    assert eager_violations("cli", root) == [
        "cli/demo.py imports wipbot.demo.command when it loads"
    ]


def test_every_module_the_architecture_picture_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b[a-z_]+/[a-z_/]+\.py\b", text)) - {"tests/test_layers.py"}
    assert len(named) > 30
    assert sorted(p for p in named if not (PACKAGE / p).is_file()) == []
