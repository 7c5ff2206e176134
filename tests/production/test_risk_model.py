"""The learned late probability: deterministic, calibrated where the answer is known, silent on a
thin history, and blind to anything after the judged day."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from wipbot.production.backtest_model import Judged, Outcome, replay
from wipbot.production.milestones import Milestone
from wipbot.production.risk import RiskAssessment, RiskStatus
from wipbot.production.risk_model import (
    FEATURES,
    MIN_CLASS,
    MIN_ORDERS,
    MilestoneView,
    factory_late_share,
    features,
    fit,
    reasons,
    train,
)

K = len(FEATURES)
TRUE_BIAS = -1.0
TRUE_WEIGHTS = {"days_projected_late": 0.25, "factory_late_share": 3.0, "days_to_committed": -0.01}


def true_p(x: list[float]) -> float:
    z = TRUE_BIAS + sum(w * x[FEATURES.index(n)] for n, w in TRUE_WEIGHTS.items())
    return 1 / (1 + math.exp(-z))


def synthetic(n: int, seed: int) -> tuple[list[list[float]], list[bool]]:
    """Orders whose late chance is a known logistic function of three inputs; the rest noise."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        x = [rng.uniform(0, 5) for _ in range(K)]
        x[FEATURES.index("days_projected_late")] = float(rng.choice([0, 0, 0, 2, 5, 10]))
        x[FEATURES.index("factory_late_share")] = rng.uniform(0.1, 0.6)
        x[FEATURES.index("days_to_committed")] = float(rng.randint(14, 120))
        rows.append(x)
        labels.append(rng.random() < true_p(x))
    return rows, labels


def test_training_is_deterministic() -> None:
    rows, labels = synthetic(600, 1)
    orders = [f"o{i}" for i in range(len(rows))]
    assert train(rows, labels, orders) == train(rows, labels, orders)


def test_a_warm_start_reaches_the_same_model() -> None:
    rows, labels = synthetic(600, 2)
    orders = [f"o{i}" for i in range(len(rows))]
    cold = train(rows, labels, orders)
    warm = train(rows, labels, orders, start=train(rows[:300], labels[:300], orders[:300]))
    assert cold is not None and warm is not None
    assert warm.weights == pytest.approx(cold.weights, abs=1e-5)
    assert warm.bias == pytest.approx(cold.bias, abs=1e-5)


def test_a_start_far_from_the_optimum_still_reaches_it() -> None:
    """Last week's model in this week's standardisation can lie far from this week's optimum
    (a driver that suddenly separates late from on-time orders); a full Newton step from there
    overshoots, so the fit must only ever take steps that lower the penalised loss."""
    rows, labels = synthetic(600, 3)
    orders = [f"o{i}" for i in range(len(rows))]
    cold = train(rows, labels, orders)
    assert cold is not None
    far = replace(cold, weights=tuple(8.0 for _ in cold.weights), bias=-8.0)
    warm = train(rows, labels, orders, start=far)
    assert warm is not None
    assert warm.weights == pytest.approx(cold.weights, abs=1e-4)
    assert warm.bias == pytest.approx(cold.bias, abs=1e-4)


def test_calibrated_where_the_answer_is_known() -> None:
    rows, labels = synthetic(4000, 3)
    model = fit(FEATURES, rows, labels)
    test, outcome = synthetic(4000, 4)
    # Predicted against the true probability, order by order.
    errors = [abs(model.probability(x) - true_p(x)) for x in test]
    assert sum(errors) / len(errors) < 0.04
    # And against what happened, in bands of predicted probability.
    bands: dict[int, list[tuple[float, bool]]] = {}
    for x, late in zip(test, outcome, strict=True):
        p = model.probability(x)
        bands.setdefault(min(int(p * 5), 4), []).append((p, late))
    for found in bands.values():
        if len(found) >= 200:
            mean_p = sum(p for p, _ in found) / len(found)
            share = sum(late for _, late in found) / len(found)
            assert abs(mean_p - share) < 0.06
    noise = FEATURES.index("stale")
    assert abs(model.weights[noise]) < 0.15
    assert model.weights[FEATURES.index("days_projected_late")] > 0.5


def test_a_thin_history_gives_no_model() -> None:
    rows, labels = synthetic(MIN_ORDERS - 1, 5)
    assert train(rows, labels, [f"o{i}" for i in range(len(rows))]) is None
    # Enough orders but too few late ones cannot calibrate either.
    rows, _ = synthetic(200, 6)
    labels = [i < MIN_CLASS - 1 for i in range(200)]
    assert train(rows, labels, [f"o{i}" for i in range(200)]) is None
    # Many judgements of few orders are still few orders.
    rows, labels = synthetic(400, 7)
    assert train(rows, labels, [f"o{i % 20}" for i in range(400)]) is None


def test_factory_share_is_shrunk_toward_the_brand() -> None:
    assert factory_late_share(0, 0, 0.3) == pytest.approx(0.3)
    assert factory_late_share(5, 5, 0.3) == pytest.approx(0.65)
    assert factory_late_share(100, 50, 0.3) == pytest.approx(0.495, abs=0.01)


def test_features_read_the_rules_judgement() -> None:
    today = date(2026, 10, 5)
    risk = RiskAssessment(date(2026, 10, 30), -4, RiskStatus.LATE, ("cutting 6 d overdue",),
                          False, 3)  # fmt: skip
    milestones = [
        MilestoneView(Milestone.MATERIALS_IN, date(2026, 9, 20), False, date(2026, 9, 22), 2),
        MilestoneView(Milestone.CUTTING, date(2026, 9, 29), False, None, 6),
        MilestoneView(Milestone.SEWING, date(2026, 10, 8), True, None, None),
    ]
    inputs = features(
        today, date(2026, 10, 26), risk, milestones, Milestone.MATERIALS_IN, [3, None], 0.4
    )
    x = dict(zip(FEATURES, inputs, strict=True))
    assert x["days_to_committed"] == 21
    assert x["days_projected_late"] == 4 and x["days_projected_early"] == 0
    assert x["late_on_observed_days"] == 1 and x["at_risk_on_estimates"] == 0
    assert x["days_overdue_own_plan"] == 6 and x["days_overdue_derived_plan"] == 0
    assert x["announced_delay_days"] == 3 and x["stage"] == 1
    assert x["own_plan"] == 0 and x["factory_late_share"] == 0.4
    assert x["days_milestone_reached_late"] == 2


def test_reasons_name_what_raises_the_probability() -> None:
    rows, labels = synthetic(2000, 8)
    model = fit(FEATURES, rows, labels)
    x = list(model.means)
    x[FEATURES.index("days_projected_late")] = 12.0
    words = reasons(model, x)
    assert words and words[0] == "projected 12 d past the committed date"


def judged_season(seed: int) -> tuple[list[Judged], dict[str, Outcome], dict[str, str]]:
    """Orders judged weekly; the late ones show days projected late a few weeks ahead."""
    rng = random.Random(seed)
    start = date(2026, 8, 3)
    judged, outcomes, factories = [], {}, {}
    for i in range(300):
        order = f"o{i}"
        factories[order] = "F1" if i % 2 else "F2"
        late = rng.random() < (0.45 if i % 2 else 0.2)
        committed = start + timedelta(days=rng.randint(40, 200))
        outcomes[order] = Outcome(late, committed + timedelta(days=rng.randint(-6, 1)))
        day = start
        while day < committed:
            x = [0.0] * K
            x[FEATURES.index("days_to_committed")] = float((committed - day).days)
            if late and (committed - day).days < 60:
                x[FEATURES.index("days_projected_late")] = float(rng.randint(2, 10))
            judged.append(Judged(order, day, factories[order], rng.random() < 0.3, tuple(x)))
            day += timedelta(days=7)
    return judged, outcomes, factories


def test_the_replay_falls_back_to_the_rules_until_the_history_is_thick_enough() -> None:
    judged, outcomes, factories = judged_season(1)
    days = sorted({j.day for j in judged})
    result = replay(judged, outcomes, factories, days)
    first = days[0]
    assert not [p for (_, day), p in result.probabilities.items() if day == first]
    on_first = [f for f in result.flags if f.day == first]
    assert [f.raised for f in on_first] == [j.rules_flag for j in judged if j.day == first]
    assert 0 < result.model_days < len(days)
    assert result.last_model is not None and result.last_model.orders >= MIN_ORDERS


def test_the_replay_never_sees_an_outcome_before_it_was_known() -> None:
    judged, outcomes, factories = judged_season(2)
    days = sorted({j.day for j in judged})
    cut = days[len(days) // 2]
    # Flip every outcome not yet known on `cut`, and change every judgement after it.
    flipped = {
        o: out if out.known_on <= cut else Outcome(not out.late, out.known_on)
        for o, out in outcomes.items()
    }
    altered = [
        j if j.day <= cut else Judged(j.order, j.day, j.factory, not j.rules_flag, j.inputs[::-1])
        for j in judged
    ]
    before = replay(judged, outcomes, factories, days)
    after = replay(altered, flipped, factories, days)
    until_cut = [f for f in before.flags if f.day <= cut]
    assert until_cut == [f for f in after.flags if f.day <= cut]
    assert {k: p for k, p in before.probabilities.items() if k[1] <= cut} == {
        k: p for k, p in after.probabilities.items() if k[1] <= cut
    }
    assert [f for f in before.flags if f.day > cut] != [f for f in after.flags if f.day > cut]


def test_earlier_judgements_train_from_the_first_scored_day() -> None:
    judged, outcomes, factories = judged_season(3)
    days = sorted({j.day for j in judged})
    scored = days[len(days) // 2 :]
    result = replay(judged, outcomes, factories, scored)
    assert {f.day for f in result.flags} == set(scored)
    assert result.model_days == len(scored)


def test_every_input_has_words() -> None:
    rows, labels = synthetic(500, 9)
    model = fit(FEATURES, rows, labels)
    for name in FEATURES:
        for value in (0.0, 1.0, 3.0):
            x = list(model.means)
            x[FEATURES.index(name)] = value
            assert all(isinstance(w, str) and w for w in reasons(model, x, limit=K))
