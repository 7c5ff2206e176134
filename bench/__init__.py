"""Benchmarks: `python -m bench [NAME ...] [--quick] [--json]`, or `make bench` for all.

Each prints its figure and a baseline measured in the same run, their cost ratio and, where a
target makes sense, PASS or MISS against it (targets and their reasons: bench/README.md).
Everything stays on this machine: temporary SQLite files and servers on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable

from . import board, imports, po, risk, sender, webhook
from .common import Figure, Result, Target

BENCHMARKS: dict[str, Callable[[bool], Result]] = {
    risk.NAME: risk.run,
    risk.SCAN_NAME: risk.run_scan,
    imports.NAME: imports.run,
    imports.CHECKINS_NAME: imports.run_checkins,
    imports.CHECKINS_PG_NAME: imports.run_checkins_postgres,
    board.NAME: board.run,
    po.NAME: po.run,
    po.PG_NAME: po.run_postgres,
    webhook.NAME: webhook.run,
    webhook.PG_NAME: webhook.run_postgres,
    sender.NAME: sender.run,
}
"""In the order `make bench` runs them."""

__all__ = ["BENCHMARKS", "Figure", "Result", "Target"]
