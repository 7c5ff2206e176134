"""One judgement of "not now" for every adapter: "try again later", or a bug."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from wipbot.bot.unavailable import is_unavailable
from wipbot.handlers.inbound_pipeline import Saturated


def _caused(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError(), True),
        (InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
        (OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")), True),
        (_caused(RuntimeError("listener failed"), ConnectionResetError()), True),
        (OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: brand")), False),
        (IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")), False),
        (ValueError("bad value"), False),
        (FileNotFoundError("photo.jpg"), False),
    ],
)
def test_not_now_is_told_apart_from_a_mistake(error: BaseException, unavailable: bool) -> None:
    assert is_unavailable(error) is unavailable


def test_a_saturated_process_is_unavailable() -> None:
    assert is_unavailable(Saturated("512 deliveries in the process"))
