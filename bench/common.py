"""What every benchmark shares: the shape of a result, targets, and a scratch database.

A ratio is always a cost ratio: time per item of the thing measured divided by time per item of
its baseline, measured in the same run on the same machine (for rates: baseline rate / rate).
So 3.0 reads "three times the baseline's cost", whatever the units of the figures.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.migrate import upgrade
from wipbot.store.models import (
    Brand,
    Contact,
    Factory,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
)


@dataclass(frozen=True)
class Figure:
    label: str
    value: float
    unit: str

    def text(self) -> str:
        return f"{_number(self.value)} {self.unit}"


@dataclass(frozen=True)
class Target:
    """A bound on the main figure, with the reason it matters (bench/README.md)."""

    text: str
    met: bool


def at_most(value: float, limit: float, unit: str) -> Target:
    return Target(f"≤ {_number(limit)} {unit}", value <= limit)


def at_least(value: float, limit: float, unit: str) -> Target:
    return Target(f"≥ {_number(limit)} {unit}", value >= limit)


def both(first: Target, second: Target) -> Target:
    return Target(f"{first.text}, {second.text}", first.met and second.met)


@dataclass(frozen=True)
class Result:
    name: str
    what: str
    n: int
    figure: Figure
    baseline: Figure
    ratio: float
    target: Target | None = None
    extras: tuple[Figure, ...] = ()

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return "PASS" if self.target.met else "MISS"

    def as_json(self) -> dict[str, Any]:
        def figure(f: Figure) -> dict[str, Any]:
            return {"label": f.label, "value": round(f.value, 3), "unit": f.unit}

        return {
            "name": self.name,
            "what": self.what,
            "n": self.n,
            "figure": figure(self.figure),
            "baseline": figure(self.baseline),
            "ratio": round(self.ratio, 3),
            "target": self.target.text if self.target else None,
            "verdict": self.verdict,
            "extras": [figure(f) for f in self.extras],
        }


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """Seconds of the fastest of `repeats` runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


@dataclass(frozen=True)
class RssWatch:
    """Growth of the resident set's high-water mark from now on.

    Linux lets a process reset its own high-water mark (/proc/self/clear_refs), so an earlier
    benchmark's peak does not hide this one's. Elsewhere the process's peak so far is the start,
    and only growth beyond it shows.
    """

    start_kib: int

    @classmethod
    def start(cls) -> RssWatch:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            return cls(_proc_status_kib("VmRSS"))
        except OSError:
            return cls(_max_rss_kib())

    def increase_mib(self) -> float:
        try:
            peak = _proc_status_kib("VmHWM")
        except OSError:
            peak = _max_rss_kib()
        return max(0, peak - self.start_kib) / 1024


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0])
    raise OSError(f"no {field} in /proc/self/status")


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cost_ratio(per_item: float, baseline_per_item: float) -> float:
    return per_item / baseline_per_item


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; `share` in (0, 1]."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(len(ordered), rank) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """Where a benchmark keeps its database and files; removed when it ends."""
    return tempfile.TemporaryDirectory(prefix="wipbot-bench-")


@asynccontextmanager
async def scratch_database(path: Path) -> AsyncIterator[SessionFactory]:
    """A fresh SQLite file, migrated exactly as `wipbot db upgrade` does."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


# -- processes, databases and a season of linked contacts, for the end-to-end benchmarks --------

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("WIPBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """A child process of the benchmark (the app, a fake platform, an anchor bot)."""

    popen: subprocess.Popen[bytes]
    name: str
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


CONFIG_PREFIXES = ("SLACK_", "WHATSAPP_", "TELEGRAM_", "WIPBOT_", "DATABASE_URL")


def start_process(
    name: str, argv: list[str], env: dict[str, str] | None = None, cwd: Path = REPO
) -> Process:
    """Started with none of wipbot's settings from this environment but those in `env`; its
    output goes to a log file of this run's own in the temporary folder (benchmarks and their
    smoke tests run side by side)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}
    base["PYTHONPATH"] = str(REPO)
    path = Path(tempfile.gettempdir()) / f"wipbot-bench-{name}-{os.getpid()}.log"
    with path.open("wb") as log:
        popen = subprocess.Popen(
            argv, cwd=cwd, env={**base, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
    return Process(popen, name, path)


async def wait_for_http(url: str, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited early; see its log in {process.log}")
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url} within {seconds} s")


@asynccontextmanager
async def fake_telegram_process(
    per_second: float | None = None, per_chat: float | None = None
) -> AsyncIterator[str]:
    """The test suite's fake Bot API in a process of its own; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="wipbot-fake-") as folder:
        port_file = Path(folder) / "port"
        rates = [str(per_second), str(per_chat)] if per_second and per_chat else []
        process = start_process(
            "fake-telegram",
            [sys.executable, "-m", "tests.fakes.telegram_api", str(port_file), *rates],
        )
        try:
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text():
                if time.monotonic() > deadline or process.popen.poll() is not None:
                    raise RuntimeError("the fake Bot API did not start")
                await asyncio.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text()}"
        finally:
            process.stop()


async def postgres_reachable() -> bool:
    try:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def postgres_url(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


async def postgres_admin(*statements: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Season:
    chat_ids: list[int]


FIRST_BENCH_CHAT = 5_300_000_000


async def seed_linked_contacts(
    session_factory: SessionFactory, contacts: int, *, per_factory: int = 10, orders: int = 5
) -> Season:
    """Factories of `per_factory` linked Telegram contacts, each factory with `orders` open
    production orders past their gate: every contact can check in on them step by step."""
    now = datetime.now(UTC)
    chat_ids: list[int] = []
    async with transaction(session_factory) as s:
        brand = Brand(name="Bench Brand")
        s.add(brand)
        await s.flush()
        assert brand.id is not None
        style = Style(brand_id=brand.id, code="BS-01", name="Bench tee")
        s.add(style)
        for number in range((contacts + per_factory - 1) // per_factory):
            factory = Factory(
                brand_id=brand.id,
                code=f"F{number:03d}",
                name=f"Factory {number}",
                country="VN",
                timezone="Asia/Ho_Chi_Minh",
                language="en",
            )
            s.add(factory)
            await s.flush()
            assert factory.id is not None and style.id is not None
            for index in range(orders):
                po = PurchaseOrder(
                    brand_id=brand.id,
                    po_number=f"PO-{number:03d}{index}",
                    factory_id=factory.id,
                    committed_exf=now.date() + timedelta(days=60 + index),
                )
                s.add(po)
                await s.flush()
                assert po.id is not None
                s.add(
                    PurchaseOrderLine(
                        po_id=po.id,
                        style_id=style.id,
                        colorway="Navy",
                        quantity=1000,
                        unit_price=Decimal("4.2000"),
                    )
                )
                order = ProductionOrder(
                    po_id=po.id, factory_id=factory.id, number=f"{po.po_number}-A", quantity=1000
                )
                s.add(order)
                await s.flush()
                assert order.id is not None
                s.add(Gate(production_order_id=order.id, status="approved", decided_at=now))
            for _ in range(min(per_factory, contacts - len(chat_ids))):
                chat_id = FIRST_BENCH_CHAT + len(chat_ids)
                s.add(
                    Contact(
                        factory_id=factory.id,
                        name=f"Contact {len(chat_ids)}",
                        platform="telegram",
                        chat_id=str(chat_id),
                        language="en",
                        linked_at=now,
                        last_inbound_at=now,
                    )
                )
                chat_ids.append(chat_id)
    return Season(chat_ids)


def spread(values: Sequence[float]) -> str:
    """min–max, the way ratios over alternating runs are reported."""
    return f"{min(values):.2f}–{max(values):.2f}"


async def insert_open_orders(
    connection: AsyncConnection,
    brand_id: int | None,
    factory_ids: Sequence[int | None],
    committed: Sequence[date],
    now: datetime,
) -> None:
    """One open PO per committed date, each with one production order (ids 1..n, in order),
    spread over the factories: the bulk part of the `po` and `risk-scan` seeds."""
    await connection.execute(
        insert(PurchaseOrder),
        [
            {
                "id": i + 1,
                "brand_id": brand_id,
                "po_number": f"PO-{100000 + i}",
                "factory_id": factory_ids[i % len(factory_ids)],
                "status": "open",
                "incoterm": "FOB",
                "currency": "USD",
                "committed_exf": due,
                "created_at": now,
            }
            for i, due in enumerate(committed)
        ],
    )
    await connection.execute(
        insert(ProductionOrder),
        [
            {
                "id": i + 1,
                "po_id": i + 1,
                "factory_id": factory_ids[i % len(factory_ids)],
                "number": f"PO-{100000 + i}-A",
                "quantity": 1000,
                "status": "open",
                "created_at": now,
            }
            for i in range(len(committed))
        ],
    )
