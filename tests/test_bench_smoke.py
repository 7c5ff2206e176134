"""The benchmarks still run: each one at tiny sizes measures something (`make bench` runs them
at full size; their figures and targets are not checked here, they are not tests)."""

from __future__ import annotations

import json

import pytest
from bench import BENCHMARKS
from bench.__main__ import main
from bench.common import Figure, Result, at_least, at_most, both


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_each_benchmark_runs_at_tiny_sizes_and_gives_positive_figures(name: str) -> None:
    result = BENCHMARKS[name](True)

    assert result.name == name
    assert result.n > 0
    assert result.figure.value > 0
    assert result.baseline.value > 0
    assert result.ratio > 0
    assert all(figure.value >= 0 for figure in result.extras)
    assert result.target is not None, "every benchmark states the target it is judged by"
    assert result.verdict == ("PASS" if result.target.met else "MISS")


def test_a_verdict_follows_its_target_at_the_boundary() -> None:
    assert at_most(2.0, 2.0, "ms").met and not at_most(2.001, 2.0, "ms").met
    assert at_least(5.0, 5.0, "×").met and not at_least(4.999, 5.0, "×").met
    assert not both(at_most(1, 2, "ms"), at_least(1, 2, "×")).met
    assert both(at_most(1, 2, "ms"), at_least(3, 2, "×")).text == "≤ 2.00 ms, ≥ 2.00 ×"
    figure = Figure("p99", 3.0, "ms")
    judged = [
        Result("x", "x", 1, figure, figure, 1.0, target).verdict
        for target in (at_most(3.0, 2.0, "ms"), at_most(1.0, 2.0, "ms"), None)
    ]
    assert judged == ["MISS", "PASS", "-"]


def test_the_command_line_prints_one_json_line_per_result(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["risk", "--quick", "--json"]) == 0

    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [json.loads(line)["name"] for line in lines] == ["risk"]
    assert json.loads(lines[0])["figure"]["unit"] == "µs/order"
