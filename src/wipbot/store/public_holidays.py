"""A country's public holidays, computed once per installed `holidays` release and kept on disk.

Importing `holidays` and building one country's calendar loads about 300 modules (every
country, the lunar and Islamic calendars): a quarter of a second, which a one-shot command like
`wipbot po status` would pay on every run for a few dozen dates. The dates only change with the
library, so they are kept in the user's cache folder, keyed by the library's location and age,
and computed again when it changes. Each installation of the library has a file of its own: with
one shared file, two installs on a machine (a pipx install and a project's virtualenv, or two
checkouts) kept replacing each other's dates, and every command then imported the calendars
again. A cache that cannot be read or written is simply skipped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from datetime import date
from functools import lru_cache
from pathlib import Path

CACHE_FOLDER = "wipbot"


@lru_cache(maxsize=64)
def public_holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    entry = f"{country}:{','.join(map(str, years))}"
    cache = _read_cache()
    if entry in cache:
        try:
            return frozenset(date.fromisoformat(day) for day in cache[entry])
        except (TypeError, ValueError):
            pass  # a damaged cache entry is computed again and rewritten
    days = _compute(country, years)
    cache[entry] = sorted(day.isoformat() for day in days)
    _write_cache(cache)
    return days


def _compute(country: str, years: tuple[int, ...]) -> frozenset[date]:
    from wipbot.production.calendar import public_holidays as computed

    return computed(country, years)


def cache_path() -> Path:
    """This installation's file in the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    install = hashlib.sha256(_library_version().encode()).hexdigest()[:12]
    return Path(base) / CACHE_FOLDER / f"public-holidays-{install}.json"


def _library_version() -> str:
    """Where the installed `holidays` lives and when it was installed, without importing it."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    origin = Path(spec.origin)
    return f"{origin}:{origin.stat().st_mtime_ns}"


def _read_cache() -> dict[str, list[str]]:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("library") != _library_version():
        return {}
    found = data.get("countries")
    return found if isinstance(found, dict) else {}


def _write_cache(countries: dict[str, list[str]]) -> None:
    path = cache_path()
    staged = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(
            json.dumps({"library": _library_version(), "countries": countries}), encoding="utf-8"
        )
        staged.replace(path)
    except OSError:
        staged.unlink(missing_ok=True)
