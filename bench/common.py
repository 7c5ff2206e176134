"""What every benchmark shares: the shape of a result, targets, and a scratch database.

A ratio is always a cost ratio: time per item of the thing measured divided by time per item of
its baseline, measured in the same run on the same machine (for rates: baseline rate / rate).
So 3.0 reads "three times the baseline's cost", whatever the units of the figures.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade


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
