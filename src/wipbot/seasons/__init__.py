"""Simulated seasons: a seeded world model of factories, orders and their check-ins.

Used by tests, benchmarks, the demo and `wipbot season generate`. It imports only the milestone
schema from `wipbot.production`: the world is modelled from the factory floor, not from the
engine, so a backtest on it says something about the engine. docs/seasons.md lists every
assumption and its default.
"""

from .assumptions import Closure, Disruption, Disruptions, FactoryHabits, SeasonAssumptions
from .files import write_season
from .generate import Season, generate_season

__all__ = [
    "Closure",
    "Disruption",
    "Disruptions",
    "FactoryHabits",
    "Season",
    "SeasonAssumptions",
    "generate_season",
    "write_season",
]
