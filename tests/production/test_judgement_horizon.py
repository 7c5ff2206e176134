"""A judgement kept until its horizon is the judgement the engine would give on every day
before it: checked against `assess` itself, day by day, over a varied season."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from bench.risk import risk_inputs
from bench.synthetic import TODAY

from wipbot.production.judgement_horizon import gate_watch_stands_until, judgement_stands_until
from wipbot.production.risk import RiskAssessment, RiskInput, assess


def _seen(inp: RiskInput, day: object) -> tuple[object, ...]:
    risk: RiskAssessment = assess(inp, day)  # type: ignore[arg-type]
    return (risk.status, risk.projected_exf, risk.slack_days, risk.drivers, risk.stale)


def test_the_engine_answers_the_same_on_every_day_before_the_horizon() -> None:
    inputs = risk_inputs(120, random.Random(7))
    inputs += [replace(inp, reports=()) for inp in inputs[:20]]
    kept = 0
    for index, inp in enumerate(inputs):
        today = TODAY + timedelta(days=(index % 9) * 5 - 20)
        until = judgement_stands_until(inp, today)
        assert until > today
        first = _seen(inp, today)
        day = today + timedelta(days=1)
        while day < until:
            assert _seen(inp, day) == first, (index, today, day, until)
            kept += 1
            day += timedelta(days=1)
    assert kept > 50  # the horizon is not trivially tomorrow


def test_the_gate_watch_is_rejudged_when_a_decision_is_due_and_when_cutting_is_overdue() -> None:
    cutting = TODAY + timedelta(days=20)
    assert gate_watch_stands_until(cutting, TODAY, 7) == cutting - timedelta(days=7)
    assert gate_watch_stands_until(cutting, cutting, 7) == cutting + timedelta(days=1)
    assert gate_watch_stands_until(None, TODAY, 7) is None
