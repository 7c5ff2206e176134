"""The tables load on demand: every table is listed once under its module, and a module loads
the modules of the tables its foreign keys name, so whatever is loaded can be flushed and joined."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlmodel import SQLModel

from wipbot.store import models

PACKAGE = Path(models.__file__).parent


def table_classes() -> dict[str, type[SQLModel]]:
    models.load_all()
    return {
        mapper.class_.__name__: mapper.class_
        for mapper in SQLModel._sa_registry.mappers
        if mapper.class_.__module__.startswith(f"{models.__name__}.")
    }


def sibling_imports(module: str) -> set[str]:
    """The modules of this package that `module` imports when it loads."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
    return found & set(models.MODULES)


def loaded_with(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(sibling_imports(current))
    return seen


def test_every_table_is_listed_once_under_its_module() -> None:
    listed = {table: module for module, tables in models.MODULES.items() for table in tables}
    assert sum(len(tables) for tables in models.MODULES.values()) == len(listed)
    defined = {name: cls.__module__.rsplit(".", 1)[1] for name, cls in table_classes().items()}
    assert defined == listed
    assert sorted(models.__all__) == sorted([*listed, "load_all"])


def test_a_table_asked_for_by_name_is_the_class_its_module_defines() -> None:
    classes = table_classes()
    assert all(getattr(models, name) is cls for name, cls in classes.items())


def test_each_module_loads_the_tables_its_foreign_keys_name() -> None:
    module_of_table = {
        cls.__tablename__: cls.__module__.rsplit(".", 1)[1] for cls in table_classes().values()
    }
    missing = []
    for cls in table_classes().values():
        module = cls.__module__.rsplit(".", 1)[1]
        for key in cls.__table__.foreign_keys:
            target = module_of_table[key.target_fullname.split(".")[0]]
            if target not in loaded_with(module):
                missing.append(f"{module}.{cls.__name__} -> {key.target_fullname}")
    assert missing == []


def test_the_check_sees_a_module_that_forgets_a_table_it_names() -> None:
    assert "brand" in loaded_with("orders")
    assert "orders" not in loaded_with("brand")
