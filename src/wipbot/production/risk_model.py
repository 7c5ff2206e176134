"""A calibrated probability that an order ships late, learned from the brand's own history.

The rules in production/risk.py say *why* an order may be late; this says *how likely* it is,
weighing the same drivers by how often they came true on the brand's finished orders. It is a
regularised logistic regression over a handful of named inputs (FEATURES), fitted by Newton's
method in plain Python: deterministic, a fraction of a second for a season's judgements, and
every weight can be printed beside its input. Too thin a history (few finished orders, or too
few late or on-time ones) gives no model, and the rules decide alone. See docs/risk.md, "The
learned probability".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import add, mul

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.risk import RiskAssessment, RiskStatus

L2 = 1.0
"""Ridge penalty on the standardised weights (not the intercept): a prior that no driver
matters, worth about one order's evidence per weight."""
MIN_ORDERS = 40
"""Finished orders the history needs before the model speaks."""
MIN_CLASS = 10
"""Late and on-time orders each the history needs: fewer cannot calibrate either side."""
NEWTON_STEPS = 25
MAX_HALVINGS = 30
FLAG_AT = 0.5
"""An order is flagged when it is more likely late than not: the decision a calibrated
probability makes with no cost figures, and not a threshold fitted to any season."""
FACTORY_PRIOR_ORDERS = 5
"""A factory's late share is shrunk toward the brand's by this many orders' worth."""
CAP_DAYS = 40

FEATURES: tuple[str, ...] = (
    "days_to_committed",
    "days_projected_late",
    "days_projected_early",
    "late_on_observed_days",
    "at_risk_on_estimates",
    "days_overdue_own_plan",
    "days_overdue_derived_plan",
    "announced_delay_days",
    "stage",
    "stale",
    "own_plan",
    "factory_late_share",
    "days_milestone_reached_late",
)
"""The inputs, each a driver the rules already derive (docs/risk.md, "The learned probability")."""

WORDS: dict[str, str] = {
    "days_to_committed": "{v:.0f} d to the committed date",
    "days_projected_late": "projected {v:.0f} d past the committed date",
    "days_projected_early": "{v:.0f} d of slack",
    "days_overdue_own_plan": "a milestone of the factory's T&A {v:.0f} d overdue",
    "days_overdue_derived_plan": "a derived milestone {v:.0f} d overdue",
    "announced_delay_days": "a delay of {v:.0f} d announced",
    "factory_late_share": "this factory ships {p:.0f} % of its orders late",
    "days_milestone_reached_late": "a milestone reached {v:.0f} d after plan",
}
"""Inputs read as a number; the yes/no inputs and the stage are worded by `_words`."""
YES_NO: dict[str, tuple[str, str]] = {
    "late_on_observed_days": ("days already lost", "no days lost yet"),
    "at_risk_on_estimates": ("announced delays or a revised date", "no estimate past the date"),
    "stale": ("no recent check-in", "a recent check-in"),
    "own_plan": ("the factory's own T&A", "a plan derived without the factory's T&A"),
}


@dataclass(frozen=True)
class LateModel:
    """Weights on standardised inputs: p = sigmoid(bias + sum(w * (x - mean) / scale))."""

    names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    orders: int
    late: int

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.means, self.scales, strict=True)
        )
        return _sigmoid(z)


@dataclass(frozen=True)
class MilestoneView:
    """What the board shows of one milestone: plan, whether derived, actual, days late."""

    milestone: Milestone
    planned: date
    derived: bool
    actual: date | None
    days_late: int | None


def factory_late_share(finished: int, late: int, brand_share: float) -> float:
    """The factory's share of late orders, shrunk toward the brand's by FACTORY_PRIOR_ORDERS."""
    return (late + FACTORY_PRIOR_ORDERS * brand_share) / (finished + FACTORY_PRIOR_ORDERS)


def features(
    today: date,
    committed: date,
    risk: RiskAssessment,
    milestones: Sequence[MilestoneView],
    current: Milestone | None,
    announced_days: Sequence[int | None],
    factory_share: float,
) -> tuple[float, ...]:
    """The inputs of FEATURES for one order judged on `today`, from the rules' own judgement."""

    def capped(days: int) -> float:
        return float(min(max(days, 0), CAP_DAYS))

    unreached = [m for m in milestones if m.actual is None and m.planned < today]
    return (
        float(min((committed - today).days, 120)),
        capped(-risk.slack_days),
        capped(risk.slack_days),
        float(risk.status is RiskStatus.LATE),
        float(risk.status is RiskStatus.AT_RISK),
        capped(max((m.days_late or 0 for m in unreached if not m.derived), default=0)),
        capped(max((m.days_late or 0 for m in unreached if m.derived), default=0)),
        capped(max((d or 0 for d in announced_days), default=0)),
        float(0 if current is None else current.index + 1),
        float(risk.stale),
        float(not any(m.derived for m in milestones)),
        factory_share,
        capped(max((m.days_late or 0 for m in milestones if m.actual is not None), default=0)),
    )


def reasons(model: LateModel, x: Sequence[float], limit: int = 3) -> tuple[str, ...]:
    """The inputs that raise this order's probability most above the average order's, in words."""
    pushes = sorted(
        (
            (w * (v - m) / s, name, v)
            for name, w, v, m, s in zip(
                model.names, model.weights, x, model.means, model.scales, strict=True
            )
        ),
        reverse=True,
    )
    return tuple(_words(name, v) for push, name, v in pushes[:limit] if push > 0.1)


def _words(name: str, value: float) -> str:
    if name in YES_NO:
        yes, no = YES_NO[name]
        return yes if value else no
    if name == "stage":
        return "not started" if value < 1 else f"{MILESTONES[round(value) - 1].value} reached"
    return WORDS[name].format(v=value, p=value * 100)


def train(
    rows: Sequence[Sequence[float]],
    labels: Sequence[bool],
    orders: Sequence[str],
    start: LateModel | None = None,
) -> LateModel | None:
    """The model of the brand's finished orders, or None when the history is too thin.

    `rows` are judgements of finished orders (several per order, one per judged day), `labels`
    whether the order shipped late, `orders` whose judgement each row is: every order weighs
    the same however many days it was judged. `start` (last week's model) only speeds up the
    fit: the optimum is unique, so the result is the same.
    """
    per_order: dict[str, bool] = dict(zip(orders, labels, strict=True))
    late = sum(per_order.values())
    if len(per_order) < MIN_ORDERS or late < MIN_CLASS or len(per_order) - late < MIN_CLASS:
        return None
    counts: dict[str, int] = {}
    for order in orders:
        counts[order] = counts.get(order, 0) + 1
    return fit(
        FEATURES,
        rows,
        labels,
        [1 / counts[o] for o in orders],
        orders=len(per_order),
        late=late,
        start=start,
    )


def weights_table(model: LateModel) -> Mapping[str, float]:
    """Each input's weight per standard deviation, and the intercept: what the model says."""
    return {"intercept": round(model.bias, 3)} | {
        name: round(w, 3) for name, w in zip(model.names, model.weights, strict=True)
    }


def fit(
    names: Sequence[str],
    rows: Sequence[Sequence[float]],
    labels: Sequence[bool],
    weights: Sequence[float] | None = None,
    *,
    orders: int = 0,
    late: int = 0,
    l2: float = L2,
    start: LateModel | None = None,
) -> LateModel:
    """Ridge logistic regression by Newton's method; `weights` lets each order count once
    however many judgements it has."""
    n, k = len(rows), len(names)
    w_row = list(weights) if weights is not None else [1.0] * n
    total = sum(w_row)
    # Column by column, so that every sum over the judgements runs in C (map, sum).
    raw = [[float(r[j]) for r in rows] for j in range(k)]
    means = [sum(map(mul, w_row, column)) / total for column in raw]
    scales = []
    for column, m in zip(raw, means, strict=True):
        var = sum(w * (v - m) ** 2 for w, v in zip(w_row, column, strict=True)) / total
        scales.append(math.sqrt(var) if var > 1e-12 else 1.0)
    cols = [[1.0] * n] + [
        [(v - m) / s for v in column] for column, m, s in zip(raw, means, scales, strict=True)
    ]
    ys = [1.0 if y else 0.0 for y in labels]
    beta = [0.0] * (k + 1)
    if start is not None and start.names == tuple(names):
        # The same model in this week's standardisation: w' = w * s' / s.
        shift = sum(
            w * (m - m0) / s0
            for w, m, m0, s0 in zip(start.weights, means, start.means, start.scales, strict=True)
        )
        beta = [
            start.bias + shift,
            *(w * s / s0 for w, s, s0 in zip(start.weights, scales, start.scales, strict=True)),
        ]

    def scores(b: Sequence[float]) -> list[float]:
        z = [b[0]] * n
        for weight, column in zip(b[1:], cols[1:], strict=True):
            if weight:
                z = list(map(add, z, [weight * v for v in column]))
        return z

    def loss(z: Sequence[float], b: Sequence[float]) -> float:
        """The penalised negative log-likelihood that Newton's method minimises."""
        fit_loss = sum(w * (_softplus(v) - y * v) for w, v, y in zip(w_row, z, ys, strict=True))
        return fit_loss + l2 / 2 * sum(x * x for x in b[1:])

    z = scores(beta)
    current = loss(z, beta)
    for _ in range(NEWTON_STEPS):
        p = [_sigmoid(max(-30.0, min(30.0, v))) for v in z]
        g = [w * (q - y) for w, q, y in zip(w_row, p, ys, strict=True)]
        h = [w * q * (1 - q) for w, q in zip(w_row, p, strict=True)]
        grad = [sum(map(mul, g, column)) for column in cols]
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        for i in range(k + 1):
            weighted = list(map(mul, h, cols[i]))
            for j in range(i + 1):
                hess[i][j] = hess[j][i] = sum(map(mul, weighted, cols[j]))
        for i in range(1, k + 1):
            grad[i] += l2 * beta[i]
            hess[i][i] += l2
        step = _solve(hess, grad)
        # Halve the step until it lowers the loss: from a start far from the optimum (last
        # week's model, say) a full Newton step overshoots and can run away.
        for _ in range(MAX_HALVINGS):
            trial = [b - d for b, d in zip(beta, step, strict=True)]
            z_trial = scores(trial)
            trial_loss = loss(z_trial, trial)
            if trial_loss <= current:
                break
            step = [d / 2 for d in step]
        else:
            break
        beta, z, current = trial, z_trial, trial_loss
        if max(abs(d) for d in step) < 1e-6:
            break
    return LateModel(
        tuple(names), tuple(means), tuple(scales), tuple(beta[1:]), beta[0], orders, late
    )


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def _softplus(z: float) -> float:
    """log(1 + e^z) without overflow."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)
